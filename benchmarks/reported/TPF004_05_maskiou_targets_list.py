"""Source: https://github.com/zjhuang22/maskscoring_rcnn/issues/83
The reporter hit "TypeError: expected np.ndarray (got list)" right after installing Mask Scoring R-CNN
and found, when printing the argument, that it was a plain Python list.
Shape: a target builder accumulates per-instance values in a list inside a loop over the
proposals and returns torch.from_numpy(...) of that list for the MaskIoU head loss.
Verified: raises TypeError: expected np.ndarray (got list); fixed runs
"""
import numpy as np
import torch


def mask_iou(pred, gt):
    inter = np.logical_and(pred, gt).sum()
    union = np.logical_or(pred, gt).sum()
    return float(inter) / max(float(union), 1.0)


def build_maskiou_targets(pred_masks, gt_masks, matched_idxs):
    ious = []
    for pred, idx in zip(pred_masks, matched_idxs):
        ious.append(mask_iou(pred > 0.5, gt_masks[idx]))
    return torch.from_numpy(ious).float()  # expect: TPF004


def maskiou_loss(pred_iou, pred_masks, gt_masks, matched_idxs):
    targets = build_maskiou_targets(pred_masks, gt_masks, matched_idxs)
    return torch.nn.functional.l1_loss(pred_iou, targets)


def run():
    rng = np.random.default_rng(0)
    pred_masks = rng.random((3, 8, 8))
    gt_masks = rng.random((2, 8, 8)) > 0.5
    pred_iou = torch.rand(3, requires_grad=True)
    loss = maskiou_loss(pred_iou, pred_masks, gt_masks, [0, 1, 1])
    loss.backward()
    return loss.item()
