"""Source: https://github.com/bubbliiiing/faster-rcnn-pytorch/issues/35
Memory kept increasing during training because the five loss terms were summed directly instead of with
`+= x.item()` (reported in Chinese: "loss累加的时候直接相加 ... 内存不断增加").
Shape: a trainer class's `train_step` runs forward + backward + step and returns the per-component losses as a
tuple; the epoch loop unpacks the tuple and adds each component into its own running sum.
Verified: ran _checks/check_tpf001.py: the bug's returned totals have a grad_fn; the fixed ones are floats.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class FasterRCNNTrainer(nn.Module):
    def __init__(self, net, optimizer):
        super().__init__()
        self.net = net
        self.optimizer = optimizer

    def forward(self, imgs, targets):
        rpn_loc_p, rpn_cls_p, roi_loc_p, roi_cls_p = self.net(imgs)
        rpn_loc = F.smooth_l1_loss(rpn_loc_p, targets["rpn_loc"])
        rpn_cls = F.cross_entropy(rpn_cls_p, targets["rpn_label"])
        roi_loc = F.smooth_l1_loss(roi_loc_p, targets["roi_loc"])
        roi_cls = F.cross_entropy(roi_cls_p, targets["roi_label"])
        losses = [rpn_loc, rpn_cls, roi_loc, roi_cls]
        losses = losses + [sum(losses)]
        return losses

    def train_step(self, imgs, targets):
        self.optimizer.zero_grad()
        losses = self.forward(imgs, targets)
        losses[-1].backward()
        self.optimizer.step()
        return losses


def fit_one_epoch(train_util, gen, epoch_size):
    total_loss = rpn_loc_loss = rpn_cls_loss = roi_loc_loss = roi_cls_loss = 0
    for iteration, (imgs, targets) in enumerate(gen):
        if iteration >= epoch_size:
            break
        rpn_loc, rpn_cls, roi_loc, roi_cls, total = train_util.train_step(imgs, targets)
        total_loss += total  # expect: TPF001
        rpn_loc_loss += rpn_loc  # expect: TPF001
        rpn_cls_loss += rpn_cls  # expect: TPF001
        roi_loc_loss += roi_loc  # expect: TPF001
        roi_cls_loss += roi_cls  # expect: TPF001
    n = iteration + 1
    return total_loss / n, rpn_loc_loss / n, rpn_cls_loss / n, roi_loc_loss / n, roi_cls_loss / n
