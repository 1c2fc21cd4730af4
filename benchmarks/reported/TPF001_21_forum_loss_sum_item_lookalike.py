"""Source: https://discuss.pytorch.org/t/cuda-out-of-memory-after-more-than-8000-iterators/27253
The poster got "cuda out of memory" after 8784 iterations although the loss was already summed with
`loss_sum += loss.item()`; the loss bookkeeping was not the cause (the thread asks for the rest of the code).
Shape (correct code, must stay silent): numpy batches go through `torch.from_numpy(...).to(device)`, the
per-batch loss is backpropagated and only its Python float is accumulated in `loss_sum` across iterations.
Verified: by reading (lookalike: no marker)
"""
import numpy as np
import torch
import torch.nn as nn


class KGScorer(nn.Module):
    def __init__(self, n_entities, n_relations, dim=50):
        super().__init__()
        self.ent = nn.Embedding(n_entities, dim)
        self.rel = nn.Embedding(n_relations, dim)

    def forward(self, head, rel, tail):
        return -(self.ent(head) + self.rel(rel) - self.ent(tail)).norm(p=1, dim=1)


class Trainer:
    def __init__(self, model, lr=1e-3, device="cpu"):
        self.model = model.to(device)
        self.device = device
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.criterion = nn.MarginRankingLoss(margin=1.0)

    def train(self, triples: np.ndarray, corrupt: np.ndarray, batch_size=128, log_every=1000):
        loss_sum = 0.0
        for it, start in enumerate(range(0, len(triples), batch_size)):
            pos = torch.from_numpy(triples[start:start + batch_size]).to(self.device)
            neg = torch.from_numpy(corrupt[start:start + batch_size]).to(self.device)
            pos_score = self.model(pos[:, 0], pos[:, 1], pos[:, 2])
            neg_score = self.model(neg[:, 0], neg[:, 1], neg[:, 2])
            target = torch.ones_like(pos_score)
            loss = self.criterion(pos_score, neg_score, target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            loss_sum += loss.item()
            if (it + 1) % log_every == 0:
                print(f"iter {it + 1}: mean loss {loss_sum / log_every:.4f}")
                loss_sum = 0.0
        return self.model
