"""Source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/issues/31
Lookalike (correct code): the reporter's own workaround in the thread was to initialise the parameters as
float64 too; then torch.mm gets two float64 operands and runs, and the elementwise label arithmetic with
Python floats and float64 noise promotes without error.
Shape: same helpers as the bug; the weight is made with torch.from_numpy(np.random.normal(...)) so both
matrix operands come from numpy float64 makers.
Verified: runs without error on torch 2.13.0+cpu (_checks/check_tpf005.py)
"""
import random

import numpy as np
import torch

NUM_INPUTS = 2
TRUE_W = [2.0, -3.4]
TRUE_B = 4.2


def synthesize(num_examples):
    features = torch.from_numpy(np.random.normal(0, 1, (num_examples, NUM_INPUTS)))
    labels = TRUE_W[0] * features[:, 0] + TRUE_W[1] * features[:, 1] + TRUE_B
    noise = torch.from_numpy(np.random.normal(0, 0.01, size=labels.size()))
    return features, labels + noise


def data_iter(batch_size, features, labels):
    order = list(range(len(features)))
    random.shuffle(order)
    for start in range(0, len(order), batch_size):
        idx = torch.LongTensor(order[start:start + batch_size])
        yield features.index_select(0, idx), labels.index_select(0, idx)


def linreg(X, w, b):
    return torch.mm(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.view(y_hat.size())) ** 2 / 2


def train(num_examples=200, num_epochs=2, lr=0.03, batch_size=10):
    features, labels = synthesize(num_examples)
    w = torch.from_numpy(np.random.normal(0, 0.01, (NUM_INPUTS, 1)))
    b = torch.zeros(1, dtype=torch.float64)
    w.requires_grad_(requires_grad=True)
    b.requires_grad_(requires_grad=True)
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            loss = squared_loss(linreg(X, w, b), y).sum()
            loss.backward()
            with torch.no_grad():
                w -= lr * w.grad / batch_size
                b -= lr * b.grad / batch_size
            w.grad.zero_()
            b.grad.zero_()
    return w, b
