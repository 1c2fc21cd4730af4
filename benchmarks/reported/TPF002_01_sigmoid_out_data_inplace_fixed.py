"""Source: https://github.com/pytorch/pytorch/issues/6990
What went wrong: after `c = out.data; c.zero_()` on a sigmoid output, `out.sum().backward()` ran without
any error but `a.grad` came out all zeros (the maintainer: "The result is very, very wrong because `out`
changed!"); with `.detach()` autograd raises "one of the variables needed for gradient computation has
been modified by an inplace operation" instead.
Shape: a gating layer's forward takes `.data` of its own sigmoid output (which SigmoidBackward saved) and
rescales the gates in place through that handle so each row sums to one; the training step then backpropagates through it.
Verified: ran _checks/check_01.py: bug gives a wrong weight gradient silently; fixed (out-of-place
normalisation) gives the true gradient.
"""
import torch
import torch.nn as nn


class NormalizedGate(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        gate = torch.sigmoid(self.proj(x))
        gate = gate / gate.sum(dim=-1, keepdim=True)
        return gate * x


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    out = model(x)
    loss = ((out - y) ** 2).mean()
    loss.backward()
    optimizer.step()
    return loss.item()
