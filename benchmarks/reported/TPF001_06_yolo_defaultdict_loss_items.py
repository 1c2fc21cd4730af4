"""Source: https://github.com/MultimediaTechLab/YOLO/pull/83
About 1-2 MB of CPU memory leaked per batch during training; switching the epoch totals to
`defaultdict(float)` with `loss_val.item() * batch_size` stopped the leak and cut memory by ~10 GB.
Shape: the loss function returns (loss, dict of named loss components); the trainer keeps a
`defaultdict` of device tensors for the epoch and adds each component times the batch size into it by key.
Verified: ran _checks/check_tpf001.py: the bug's epoch totals have a grad_fn; the fixed ones are floats.
"""
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F


class DualLoss(nn.Module):
    def __init__(self, box_weight=7.5, cls_weight=0.5):
        super().__init__()
        self.box_weight = box_weight
        self.cls_weight = cls_weight

    def forward(self, pred_boxes, pred_cls, gt_boxes, gt_cls):
        box_loss = F.l1_loss(pred_boxes, gt_boxes)
        cls_loss = F.binary_cross_entropy_with_logits(pred_cls, gt_cls)
        loss_dict = {"BoxLoss": box_loss, "BCELoss": cls_loss}
        total = self.box_weight * box_loss + self.cls_weight * cls_loss
        return total, loss_dict


class ModelTrainer:
    def __init__(self, model, optimizer, device="cpu"):
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = DualLoss()
        self.device = device

    def train_one_batch(self, images, gt_boxes, gt_cls):
        self.optimizer.zero_grad()
        pred_boxes, pred_cls = self.model(images)
        loss, loss_item = self.loss_fn(pred_boxes, pred_cls, gt_boxes, gt_cls)
        loss.backward()
        self.optimizer.step()
        return loss_item

    def train_one_epoch(self, dataloader):
        self.model.train()
        total_loss = defaultdict(lambda: torch.tensor(0.0, device=self.device))
        total_samples = 0
        for images, gt_boxes, gt_cls in dataloader:
            batch_size = images.shape[0]
            loss_each = self.train_one_batch(images, gt_boxes, gt_cls)
            for loss_name, loss_val in loss_each.items():
                total_loss[loss_name] += loss_val * batch_size  # expect: TPF001
            total_samples += batch_size
        return {name: value / total_samples for name, value in total_loss.items()}
