"""Source: https://github.com/visionml/pytracking/pull/313
`LTRTrainer._update_stats()` was called with `val` being a Tensor with gradients; fed into `AverageMeter`,
the graph accumulated during training and was never released, "causing significant memory leak".
Shape: the actor returns (loss, stats dict) where a stats entry is the loss tensor itself; the trainer walks
the dict and hands each value to a per-name `AverageMeter`, which keeps `self.sum += val * n` for the epoch.
Verified: ran _checks/check_tpf001.py: the bug's meter sum has a grad_fn; the fixed one is a float.
"""
from collections import OrderedDict

import torch
import torch.nn as nn


class AverageMeter:
    def __init__(self):
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


class BBoxActor:
    def __init__(self, net):
        self.net = net
        self.objective = nn.MSELoss()

    def __call__(self, data):
        iou_pred = self.net(data["test_images"])
        loss = self.objective(iou_pred, data["proposal_iou"])
        stats = {"Loss/total": loss, "Loss/iou": loss.item()}
        return loss, stats


class LTRTrainer:
    def __init__(self, actor, optimizer):
        self.actor = actor
        self.optimizer = optimizer
        self.stats = OrderedDict()

    def _update_stats(self, new_stats, batch_size):
        for name, val in new_stats.items():
            if name not in self.stats:
                self.stats[name] = AverageMeter()
            self.stats[name].update(val.item() if torch.is_tensor(val) else val, batch_size)

    def cycle_dataset(self, loader):
        for data in loader:
            loss, stats = self.actor(data)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self._update_stats(stats, data["test_images"].shape[0])
        return self.stats
