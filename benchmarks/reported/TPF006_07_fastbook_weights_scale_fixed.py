"""Source: https://github.com/fastai/fastbook/pull/471
In 04_mnist_basics the cell `weights[0] *= 1.0001` raised "RuntimeError: a view of a leaf Variable that
requires grad is being used in an in-place operation." (the PR proposed weights[0].data *= 1.0001).
Shape: a helper init_params returns (torch.randn(size) * std).requires_grad_(); the caller keeps it as
`weights` and nudges one element with `*=` to show how the prediction changes, outside no_grad.
Verified: raises RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch


def init_params(size, std=1.0):
    return (torch.randn(size) * std).requires_grad_()


def linear1(xb, weights, bias):
    return xb @ weights + bias


def mnist_loss(predictions, targets):
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()


def nudge_and_compare(train_x, train_y):
    weights = init_params((28 * 28, 1))
    bias = init_params(1)
    before = mnist_loss(linear1(train_x, weights, bias), train_y)
    with torch.no_grad():
        weights[0] *= 1.0001
    after = mnist_loss(linear1(train_x, weights, bias), train_y)
    return before.item(), after.item()
