"""Source: https://github.com/ShulinCao/OpenNRE-PyTorch/issues/11
What went wrong: training stopped at `return loss.data[0]` with "IndexError: invalid index of a 0-dim
tensor. Use tensor.item() to convert a 0-dim tensor to a Python number" (code written for PyTorch 0.3,
where a loss was a 1-element Variable).
Shape: a `Config`-style trainer class: `train_one_step()` feeds a batch held on `self`, calls the model
(which returns its loss), backpropagates, steps the optimiser and returns `loss.data[0]` to the epoch
loop, which sums it.
Verified: ran _checks/check_09.py: bug raises IndexError: invalid index of a 0-dim tensor; fixed runs
"""
import torch
import torch.nn as nn


class RelationModel(nn.Module):
    def __init__(self, vocab, dim, n_rel):
        super().__init__()
        self.embedding = nn.EmbeddingBag(vocab, dim)
        self.classifier = nn.Linear(dim, n_rel)
        self.loss = nn.CrossEntropyLoss()

    def forward(self, word, label):
        return self.loss(self.classifier(self.embedding(word)), label)


class Config:
    def __init__(self, model, lr=0.5):
        self.trainModel = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.batch_word = None
        self.batch_label = None

    def train_one_step(self):
        self.trainModel.train()
        self.optimizer.zero_grad()
        loss = self.trainModel(self.batch_word, self.batch_label)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def train_one_epoch(self, batches):
        total = 0.0
        for word, label in batches:
            self.batch_word, self.batch_label = word, label
            total += self.train_one_step()
        return total / max(len(batches), 1)
