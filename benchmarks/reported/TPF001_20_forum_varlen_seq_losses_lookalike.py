"""Source: https://discuss.pytorch.org/t/gpu-memory-increase-while-i-wanna-to-backward-with-accumulative-loss/43284
The poster summed a criterion over the variable-length sequences of one batch and then called `backward()`,
suspected the accumulated loss of the GPU memory growth, and later wrote that the increase "is not caused by
accumulative loss".
Shape (correct code, must stay silent): per-sequence losses of one batch (the poster summed them with `+=`; here
they go into a list) are reduced with `torch.stack(...).sum()` and backpropagated after the inner loop; only a
float is kept for logging across batches.
Verified: by reading (lookalike: no marker)
"""
import torch
import torch.nn as nn


class SeqTagger(nn.Module):
    def __init__(self, vocab, n_tags, dim=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, n_tags)

    def forward(self, tokens):
        h, _ = self.lstm(self.emb(tokens.unsqueeze(0)))
        return self.out(h.squeeze(0))


def train_epoch(model, optimizer, batches):
    criterion = nn.CrossEntropyLoss()
    epoch_loss = 0.0
    for seqs, tags in batches:
        optimizer.zero_grad()
        seq_losses = []
        for seq_i, tags_i in zip(seqs, tags):
            seq_losses.append(criterion(model(seq_i), tags_i))
        loss = torch.stack(seq_losses).sum() / len(seq_losses)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    return epoch_loss / len(batches)
