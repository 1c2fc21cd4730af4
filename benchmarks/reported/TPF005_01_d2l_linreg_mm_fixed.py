"""Source: https://github.com/ShusenTang/Dive-into-DL-PyTorch/issues/31
The reporter ran the linear-regression-from-scratch chapter and got "Expected object of scalar type Double
but got scalar type Float for argument #2 'mat2'" from torch.mm inside the linreg helper.
Shape: the features are made by torch.from_numpy(np.random.normal(...)) (float64) in a data-synthesis helper,
travel through a generator of minibatches, and meet the float32 weight (built with dtype=torch.float32) in
torch.mm inside a separate model function.
Verified: raises RuntimeError: expected m1 and m2 to have the same dtype, but got: double != float (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import random

import numpy as np
import torch

NUM_INPUTS = 2
TRUE_W = [2.0, -3.4]
TRUE_B = 4.2


def synthesize(num_examples):
    features = torch.from_numpy(np.random.normal(0, 1, (num_examples, NUM_INPUTS))).float()
    labels = TRUE_W[0] * features[:, 0] + TRUE_W[1] * features[:, 1] + TRUE_B
    noise = torch.from_numpy(np.random.normal(0, 0.01, size=labels.size())).float()
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


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size


def train(num_examples=200, num_epochs=2, lr=0.03, batch_size=10):
    features, labels = synthesize(num_examples)
    w = torch.tensor(np.random.normal(0, 0.01, (NUM_INPUTS, 1)), dtype=torch.float32)
    b = torch.zeros(1, dtype=torch.float32)
    w.requires_grad_(requires_grad=True)
    b.requires_grad_(requires_grad=True)
    for epoch in range(num_epochs):
        for X, y in data_iter(batch_size, features, labels):
            loss = squared_loss(linreg(X, w, b), y).sum()
            loss.backward()
            sgd([w, b], lr, batch_size)
            w.grad.zero_()
            b.grad.zero_()
        train_l = squared_loss(linreg(features, w, b), labels)
        print("epoch %d, loss %f" % (epoch + 1, train_l.mean().item()))
    return w, b
