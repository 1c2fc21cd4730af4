"""Source: https://github.com/jokester-zzz/SSA-SC/issues/2
GPU memory rose continuously during training and validation; the reporter pointed at the loss bookkeeping
that used `loss[key]` where it should use `loss[key].item()`, and the maintainer agreed.
Shape: the model's own `compute_loss` returns a dict of named loss tensors; `loss['total']` is backpropagated
and then every entry of the dict is added, key by key, into an epoch-long dict of running sums.
Verified: ran _checks/check_tpf001.py: the bug's epoch sums have a grad_fn; the fixed ones are floats.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class SSCNet(nn.Module):
    def __init__(self, in_ch=4, n_classes=5):
        super().__init__()
        self.seg_head = nn.Conv2d(in_ch, n_classes, 1)
        self.comp_head = nn.Conv2d(in_ch, 1, 1)

    def forward(self, x):
        return {"pred_semantic": self.seg_head(x), "pred_completion": self.comp_head(x)}

    def compute_loss(self, scores, data):
        semantic = F.cross_entropy(scores["pred_semantic"], data["label"])
        completion = F.binary_cross_entropy_with_logits(scores["pred_completion"], data["occupancy"])
        return {"total": semantic + completion, "semantic_1_1": semantic, "completion": completion}


def train_one_epoch(model, optimizer, loader, log_every=50):
    model.train()
    epoch_loss = {}
    for t, data in enumerate(loader):
        scores = model(data["voxels"])
        loss = model.compute_loss(scores, data)
        optimizer.zero_grad()
        loss["total"].backward()
        optimizer.step()
        for l_key in loss:
            epoch_loss[l_key] = epoch_loss.get(l_key, 0) + loss[l_key].item()
        if t % log_every == 0:
            print("iter {} total loss {:.4f}".format(t, loss["total"].item()))
    return {k: v / (t + 1) for k, v in epoch_loss.items()}
