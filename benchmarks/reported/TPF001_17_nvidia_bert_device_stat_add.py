"""Source: https://github.com/NVIDIA/DeepLearningExamples/issues/1102
Host RAM kept growing after every optimization step in BERT pretraining until it threatened to break the system;
changing `stats.device_stat('average_loss').add_(loss)` to add a detached copy fixed it (maintainer: "loss is a
part of the graph ... the previous loss tensors/graph are retained").
Shape: a stats helper hands out persistent on-device accumulator tensors by name; the training step adds the
backpropagated loss into one of them in place with `.add_()`, once per step, for the whole run.
Verified: ran _checks/check_tpf001.py: the bug's accumulator gets a grad_fn; the fixed one has none.
"""
import torch
import torch.nn as nn


class TrainingStats:
    def __init__(self, device="cpu"):
        self.device = device
        self._device_stats = {}

    def device_stat(self, name):
        if name not in self._device_stats:
            self._device_stats[name] = torch.zeros((), device=self.device)
        return self._device_stats[name]

    def host_stat_value(self, name):
        return self._device_stats[name].item()


def take_optimizer_step(optimizer, model, max_norm=1.0):
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def pretrain(model, criterion, optimizer, loader, grad_accum_steps=2, device="cpu"):
    stats = TrainingStats(device)
    model.train()
    for step, (input_ids, mlm_labels, nsp_labels) in enumerate(loader):
        mlm_logits, nsp_logits = model(input_ids)
        loss = criterion(mlm_logits, mlm_labels, nsp_logits, nsp_labels) / grad_accum_steps
        loss.backward()
        stats.device_stat("average_loss").add_(loss)  # expect: TPF001
        if (step + 1) % grad_accum_steps == 0:
            take_optimizer_step(optimizer, model)
    return stats
