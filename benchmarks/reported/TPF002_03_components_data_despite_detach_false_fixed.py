"""Source: https://github.com/arthur-pe/slicetca/pull/3
What went wrong: "Accessing the components via `.data` detaches gradients and returns the tensor for all
options (even when detach=False)": a penalty built from `get_components()` had no graph behind it, so
`backward()` ran but the penalty never moved the parameters (silently zero gradient from that term).
Shape: the components come out of a model method as a list of lists of `.data` tensors (the positive
transform applied to each `nn.Parameter`), and a training function adds a smoothness penalty on them to
the reconstruction loss before `loss.backward()` / `optimizer.step()`.
Verified: ran _checks/check_03.py: with the bug the penalty contributes no gradient; fixed it does.
"""
import torch
import torch.nn as nn


class LowRankTCA(nn.Module):
    def __init__(self, dims, rank):
        super().__init__()
        self.vectors = nn.ParameterList([nn.Parameter(torch.rand(rank, d)) for d in dims])
        self.positive = torch.abs

    def construct(self):
        a, b, c = (self.positive(v) for v in self.vectors)
        return torch.einsum("ri,rj,rk->ijk", a, b, c)

    def get_components(self, detach=False):
        comps = []
        for v in self.vectors:
            if detach:
                comps.append(self.positive(v).detach())
            else:
                comps.append(self.positive(v))
        return comps


def fit(model, X, optimizer, smooth=1.0, steps=100):
    for _ in range(steps):
        optimizer.zero_grad()
        mse = ((X - model.construct()) ** 2).mean()
        time_factor = model.get_components()[2]
        penalty = (time_factor[:, 1:] - time_factor[:, :-1]).pow(2).sum()
        loss = mse + smooth * penalty
        loss.backward()
        optimizer.step()
    return model
