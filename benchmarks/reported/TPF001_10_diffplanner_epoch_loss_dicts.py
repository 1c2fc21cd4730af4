"""Source: https://github.com/tier4/Diffusion-Planner/pull/372
Each batch's loss tensors and their autograd graphs were retained until the end of the epoch; the fix converts
each per-batch loss value to a detached Python scalar before appending it to `epoch_loss`.
Shape: a loss helper returns a dict of component loss tensors; the loop adds the combined 'loss' key to the
same dict, backpropagates it, and appends the whole dict to a list averaged by a utility after the epoch.
Verified: ran _checks/check_tpf001.py: the bug's epoch mean has a grad_fn; the fixed one is a float.
"""
import torch
from torch import nn


def diffusion_loss_func(model, inputs, futures, marginal_std=0.5):
    ego_future, neighbors_future = futures
    noise = torch.randn_like(ego_future)
    noisy = ego_future + marginal_std * noise
    ego_pred, neighbor_pred = model(inputs, noisy)
    return {
        "ego_planning_loss": ((ego_pred - noise) ** 2).mean(),
        "neighbor_prediction_loss": ((neighbor_pred - neighbors_future) ** 2).mean(),
    }


def get_epoch_mean_loss(epoch_loss):
    keys = epoch_loss[0].keys()
    return {k: sum(d[k] for d in epoch_loss) / len(epoch_loss) for k in keys}


def train_epoch(data_loader, model, optimizer, alpha_planning_loss=1.0):
    epoch_loss = []
    model.train()
    for inputs, ego_future, neighbors_future in data_loader:
        optimizer.zero_grad()
        loss = diffusion_loss_func(model, inputs, (ego_future, neighbors_future))
        loss["loss"] = loss["neighbor_prediction_loss"] + alpha_planning_loss * loss["ego_planning_loss"]
        loss["loss"].backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5)
        optimizer.step()
        epoch_loss.append(loss)  # expect: TPF001

    epoch_mean_loss = get_epoch_mean_loss(epoch_loss)
    print(f"{epoch_mean_loss['loss']=:.4f}")
    return epoch_mean_loss, epoch_mean_loss["loss"]
