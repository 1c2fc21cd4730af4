"""Source: https://github.com/pytorch/pytorch/pull/21607
PyTorch's own PR adds tests that torch.from_numpy() raises TypeError when it is given something that
is not a numpy.ndarray ("expected np.ndarray (got list)").
Shape: a mini-batch sampler builds its index order with list(range(n)) and random.shuffle, slices the
list per batch and converts each slice with torch.from_numpy to index the data tensor.
Verified: raises TypeError: expected np.ndarray (got list); fixed runs
"""
import random

import numpy as np
import torch


def batch_indices(n, batch_size, seed=0):
    order = list(range(n))
    random.Random(seed).shuffle(order)
    for i in range(0, n, batch_size):
        idx = order[i:i + batch_size]
        yield torch.from_numpy(np.asarray(idx, dtype=np.int64))


def epoch(model, data, target, optimizer, batch_size=4):
    for idx in batch_indices(len(data), batch_size):
        loss = torch.nn.functional.mse_loss(model(data[idx]), target[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def run():
    model = torch.nn.Linear(3, 1)
    epoch(model, torch.randn(10, 3), torch.randn(10, 1), torch.optim.SGD(model.parameters(), lr=0.1))
