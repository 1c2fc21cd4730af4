"""Source: https://github.com/StanfordASL/neural-network-lyapunov/pull/140
Training the Lyapunov network with the line-search (strong Wolfe) optimizer leaked memory; the fix made the
closure return only the loss and made the `losses` list store the float value, not the tensor.
Shape: the loss is built inside a closure; the value the loop keeps is whatever `optimizer.step(closure)`
returns (LBFGS hands back the closure's first loss tensor), appended to a history list for every iteration.
Verified: ran _checks/check_tpf001.py: the bug's history entries have a grad_fn; the fixed ones are floats.
"""
import torch
import torch.nn as nn


class LyapunovNet(nn.Module):
    def __init__(self, x_dim, hidden=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(x_dim, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x) - self.net(torch.zeros_like(x[:1]))


def lyapunov_loss(lyap, dynamics, x_samples, eps=0.01):
    v = lyap(x_samples).squeeze(1)
    v_next = lyap(dynamics(x_samples)).squeeze(1)
    positivity = torch.relu(eps * x_samples.norm(dim=1) - v).mean()
    derivative = torch.relu(v_next - v + eps * v).mean()
    return positivity + derivative


def train_lyapunov(lyap, dynamics, x_samples, max_iterations=20):
    optimizer = torch.optim.LBFGS(lyap.parameters(), lr=0.5, max_iter=5, line_search_fn="strong_wolfe")
    losses = []

    def closure():
        optimizer.zero_grad()
        loss = lyapunov_loss(lyap, dynamics, x_samples)
        loss.backward()
        return loss

    for it in range(max_iterations):
        loss = optimizer.step(closure)
        losses.append(loss)  # expect: TPF001
        if losses[-1] < 1e-6:
            break
    return losses
