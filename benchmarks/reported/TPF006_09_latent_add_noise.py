"""Source: https://github.com/pytorch/pytorch/issues/2940
The reporter called `a.add_(noise)` on a Variable that requires grad and got "RuntimeError: a leaf Variable
that requires grad has been used in an in-place operation." (and noticed the tensor had been mutated anyway).
Shape: an optimisation over an input code made with torch.rand(..., requires_grad=True) perturbs that leaf in
place with add_ between gradient steps (a noise-injection trick), outside torch.no_grad().
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn as nn


def optimise_code(decoder, target, steps=5, lr=0.1, sigma=0.05):
    code = torch.rand(target.shape[0], 5, requires_grad=True)
    opt = torch.optim.SGD([code], lr=lr)
    for step in range(steps):
        opt.zero_grad()
        loss = ((decoder(code) - target) ** 2).mean()
        loss.backward()
        opt.step()
        noise = torch.randn_like(code) * sigma
        code.add_(noise)  # expect: TPF006
    return code.detach()


def run():
    decoder = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))
    return optimise_code(decoder, torch.randn(4, 3))
