"""Source: https://github.com/YaChienChang/Neural-Lyapunov-Control/issues/4
After the first verification round found a counterexample, the next `V_candidate, u = model(x)` raised
"RuntimeError: expected scalar type Float but found Double".
Shape: the training set x starts as a float32 torch.Tensor(...).uniform_(); a helper samples points near the
counterexample box with np.random.uniform, builds torch.tensor([point]) from numpy float64 scalars (float64) and
torch.cat's them onto x, which promotes x to float64; the loop then feeds x back to the float32 network.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import numpy as np
import torch
import torch.nn as nn


class LyapunovNet(nn.Module):
    def __init__(self, n_input=2, n_hidden=6, n_output=1):
        super().__init__()
        self.layer1 = nn.Linear(n_input, n_hidden)
        self.layer2 = nn.Linear(n_hidden, n_output)
        self.control = nn.Linear(n_input, 1, bias=False)

    def forward(self, x):
        h = torch.tanh(self.layer1(x))
        return torch.tanh(self.layer2(h)), self.control(x)


def add_counterexamples(x, box, n):
    nearby = [np.random.uniform(lb, ub, n) for lb, ub in box]
    for i in range(n):
        point = [nearby[j][i] for j in range(x.shape[1])]
        x = torch.cat((x, torch.tensor([point])), 0)
    return x


def find_counterexample(model, x):
    with torch.no_grad():
        V, _ = model(x)
    worst = x[V.squeeze(1).argmin()]
    return [(float(v) - 0.1, float(v) + 0.1) for v in worst]


def learn(n_samples=50, max_iters=3, lr=0.01):
    x = torch.Tensor(n_samples, 2).uniform_(-6, 6)
    model = LyapunovNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for i in range(max_iters):
        V_candidate, u = model(x)  # expect: TPF005
        risk = torch.relu(-V_candidate).mean() + V_candidate.pow(2).mean() * 0.01
        optimizer.zero_grad()
        risk.backward()
        optimizer.step()
        box = find_counterexample(model, x)
        x = add_counterexamples(x, box, 5)
    return model
