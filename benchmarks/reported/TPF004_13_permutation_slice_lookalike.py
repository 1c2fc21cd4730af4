"""Source: https://github.com/facebookresearch/SentEval/pull/11
The maintainer suggested idx = torch.from_numpy(permutation[i:i + self.batch_size]).long() for the
mini-batch indices; a slice of np.random.permutation is an ndarray, so from_numpy is correct here.
Shape: a classifier's fit loop draws a numpy permutation per epoch, slices it per batch and converts
the slice with torch.from_numpy to index the training tensors.
Verified: runs without error (lookalike; must stay silent)
"""
import numpy as np
import torch
import torch.nn as nn


class PyTorchClassifier:
    def __init__(self, inputdim=5, nclasses=3, batch_size=4):
        self.model = nn.Linear(inputdim, nclasses)
        self.optimizer = torch.optim.Adam(self.model.parameters())
        self.batch_size = batch_size

    def trainepoch(self, X, y):
        permutation = np.random.permutation(len(X))
        for i in range(0, len(X), self.batch_size):
            idx = torch.from_numpy(permutation[i:i + self.batch_size]).long()
            loss = nn.functional.cross_entropy(self.model(X[idx]), y[idx])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


def run():
    clf = PyTorchClassifier()
    clf.trainepoch(torch.randn(10, 5), torch.randint(0, 3, (10,)))
