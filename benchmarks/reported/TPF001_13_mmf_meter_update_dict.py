"""Source: https://github.com/facebookresearch/mmf/pull/560
"memory leak in loss reporting": `meter_update_dict.update(reduced_loss_dict)` stored the per-loss tensors, with
their gradient and computation graph, into the training meter, causing GPU and CPU OOMs.
Shape: the model report carries a dict of loss tensors; the reporting helper converts the *total* to a float
but copies the per-loss dict as-is into the update dict with `dict.update(...)`, which a long-lived meter keeps.
Verified: ran _checks/check_tpf001.py: the bug's stored values have a grad_fn; the fixed ones do not.
"""
from collections import defaultdict, deque

import torch


class SmoothedValue:
    def __init__(self, window_size=20):
        self.deque = deque(maxlen=window_size)
        self.total = 0.0
        self.count = 0

    def update(self, value):
        self.deque.append(value)
        self.total += value
        self.count += 1


class Meter:
    def __init__(self):
        self.meters = defaultdict(SmoothedValue)

    def update(self, update_dict):
        for key, value in update_dict.items():
            self.meters[key].update(value)


def update_meter(report, meter, loss_key="train/total_loss"):
    reduced_loss_dict = {k: v.mean() for k, v in report["losses"].items()}
    meter_update_dict = {}
    reduced_loss = sum(loss for loss in reduced_loss_dict.values())
    if hasattr(reduced_loss, "item"):
        reduced_loss = reduced_loss.item()
    meter_update_dict.update({loss_key: reduced_loss})
    meter_update_dict.update(reduced_loss_dict)  # expect: TPF001
    meter.update(meter_update_dict)


def run_training_loop(model, optimizer, loader, meter):
    for batch in loader:
        optimizer.zero_grad()
        report = model(batch)
        total = sum(v.mean() for v in report["losses"].values())
        total.backward()
        optimizer.step()
        update_meter(report, meter)
    return meter
