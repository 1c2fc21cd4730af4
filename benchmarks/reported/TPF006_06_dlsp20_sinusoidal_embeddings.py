"""Source: https://github.com/Atcold/NYU-DLSP20/issues/765
Building the course's TransformerClassifier raised "RuntimeError: a view of a leaf Variable that requires
grad is being used in an in-place operation" at `E[:, 0::2] = torch.FloatTensor(np.sin(theta[:, 0::2]))`.
Shape: the Embeddings module passes its nn.Embedding's weight (a Parameter) into a module-level helper as the
argument E; the helper slice-assigns sine/cosine tables into E before detaching it.
Verified: raises RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import numpy as np
import torch
import torch.nn as nn


def create_sinusoidal_embeddings(nb_p, dim, E):
    theta = np.array([
        [p / np.power(10000, 2 * (j // 2) / dim) for j in range(dim)]
        for p in range(nb_p)
    ])
    E[:, 0::2] = torch.FloatTensor(np.sin(theta[:, 0::2]))  # expect: TPF006
    E[:, 1::2] = torch.FloatTensor(np.cos(theta[:, 1::2]))  # expect: TPF006
    E.detach_()
    E.requires_grad = False


class Embeddings(nn.Module):
    def __init__(self, d_model, vocab_size, max_position_embeddings):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab_size, d_model, padding_idx=1)
        self.position_embeddings = nn.Embedding(max_position_embeddings, d_model)
        create_sinusoidal_embeddings(nb_p=max_position_embeddings, dim=d_model,
                                     E=self.position_embeddings.weight)
        self.layer_norm = nn.LayerNorm(d_model, eps=1e-12)

    def forward(self, input_ids):
        seq_length = input_ids.size(1)
        position_ids = torch.arange(seq_length, dtype=torch.long).unsqueeze(0).expand_as(input_ids)
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        return self.layer_norm(embeddings)


def build(d_model=32, vocab_size=100, max_len=20):
    emb = Embeddings(d_model, vocab_size, max_len)
    return emb(torch.randint(0, vocab_size, (2, 7)))
