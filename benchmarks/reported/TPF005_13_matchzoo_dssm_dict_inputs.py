"""Source: https://github.com/NTMC-Community/MatchZoo-py/issues/146
Running the DSSM tutorial, trainer.run() failed at `outputs = self._model(inputs)` with "Expected object of
scalar type Float but got scalar type Double for argument #2 'mat1' in call to _th_addmm".
Shape: a letter-trigram hashing helper fills np.zeros(...) vectors (float64 by default); a collate helper
converts each array of the batch dict with torch.from_numpy; the model reads the tensors back out of the dict
in forward and calls its float32 MLP towers on them.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def word_hashing(text, vocab):
    vec = np.zeros(len(vocab))
    padded = f"#{text}#"
    for i in range(len(padded) - 2):
        idx = vocab.get(padded[i:i + 3])
        if idx is not None:
            vec[idx] += 1
    return vec


def collate(pairs, vocab):
    batch = {
        "ngram_left": np.stack([word_hashing(q, vocab) for q, _ in pairs]),
        "ngram_right": np.stack([word_hashing(d, vocab) for _, d in pairs]),
    }
    return {key: torch.from_numpy(value) for key, value in batch.items()}


class DSSM(nn.Module):
    def __init__(self, vocab_size, hidden=64, out=32):
        super().__init__()
        self.mlp_left = nn.Sequential(nn.Linear(vocab_size, hidden), nn.Tanh(), nn.Linear(hidden, out))
        self.mlp_right = nn.Sequential(nn.Linear(vocab_size, hidden), nn.Tanh(), nn.Linear(hidden, out))

    def forward(self, inputs):
        left = self.mlp_left(inputs["ngram_left"])  # expect: TPF005
        # the same mismatch: it raises here as well once the line above is fixed
        right = self.mlp_right(inputs["ngram_right"])  # expect: TPF005
        return F.cosine_similarity(left, right).unsqueeze(1)


def run_epoch(pairs, labels, vocab, batch_size=4):
    model = DSSM(len(vocab))
    optimizer = torch.optim.Adam(model.parameters())
    for start in range(0, len(pairs), batch_size):
        inputs = collate(pairs[start:start + batch_size], vocab)
        target = torch.tensor(labels[start:start + batch_size], dtype=torch.float32).unsqueeze(1)
        loss = F.mse_loss(model(inputs), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model
