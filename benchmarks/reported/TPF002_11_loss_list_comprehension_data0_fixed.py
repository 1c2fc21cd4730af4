"""Source: https://github.com/Eurus-Holmes/MNMT/issues/5
What went wrong: "IndexError: invalid index of a 0-dim tensor. Use tensor.item() to convert a 0-dim tensor
to a Python number" from `total_loss += loss_val.data[0]` and `[v.data[0] for v in losses]` (the issue
points to the same crash in NVIDIA/flownet2-pytorch #113); the suggested `.data` without `[0]` instead
keeps tensors in the running total.
Shape: the model wrapper returns a list of loss tensors; the first is backpropagated, the running total
takes `.data[0]` of it, and a list comprehension over all the returned losses builds the logged values.
Verified: ran _checks/check_11.py: bug raises IndexError: invalid index of a 0-dim tensor; fixed runs
"""
import torch
import torch.nn as nn


class ModelAndLoss(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model
        self.mse = nn.MSELoss()
        self.l1 = nn.L1Loss()

    def forward(self, data, target):
        out = self.model(data)
        return [self.mse(out, target), self.l1(out, target)]


def train(model_and_loss, loader, optimizer, log_every=10):
    total_loss = 0.0
    history = []
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        losses = model_and_loss(data, target)
        loss_val = losses[0]
        loss_val.backward()
        optimizer.step()
        total_loss += loss_val.item()
        loss_values = [v.item() for v in losses]
        if batch_idx % log_every == 0:
            history.append(loss_values)
    return total_loss / max(len(loader), 1), history
