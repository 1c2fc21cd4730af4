"""Source: https://github.com/KuanchihHuang/MonoDTR/issues/18
The reporter pointed out that img_feat must be permuted before flattening and proposed
img_feat.permute(0, 2, 3, 1).view(N, H * W, C); this view is valid (no error).
Shape: a backbone feature map (N, C, H, W) is permuted to (N, H, W, C) and viewed as (N, H*W, C):
the view only merges H and W, which stay adjacent and in order after the permute.
Verified: runs without error (lookalike; must stay silent)
"""
import torch
import torch.nn as nn


class DepthAwareTokens(nn.Module):
    def __init__(self, channels=8, d_model=16):
        super().__init__()
        self.backbone = nn.Conv2d(3, channels, 3, padding=1)
        self.to_model = nn.Linear(channels, d_model)

    def forward(self, images):
        img_feat = self.backbone(images)
        N, C, H, W = img_feat.shape
        img_feat = img_feat.permute(0, 2, 3, 1).view(N, H * W, C)
        return self.to_model(img_feat)


def run():
    model = DepthAwareTokens()
    out = model(torch.randn(2, 3, 5, 6))
    out.sum().backward()
    return out.shape
