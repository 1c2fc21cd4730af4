"""Source: https://github.com/NVlabs/SegFormer/pull/115
The PR adds .contiguous() after transpose/permute across SegFormer; the Mix-FFN depth-wise conv's
x.transpose(1, 2).view(B, C, H, W) is a view that works without it (it only splits N into H, W).
Shape: tokens (B, N, C) are transposed to (B, C, N) and viewed as a (B, C, H, W) map in DWConv.forward;
splitting one dimension never needs a copy.
Verified: runs without error (lookalike; must stay silent)
"""
import torch
import torch.nn as nn


class DWConv(nn.Module):
    def __init__(self, dim=8):
        super().__init__()
        self.dwconv = nn.Conv2d(dim, dim, 3, 1, 1, bias=True, groups=dim)

    def forward(self, x, H, W):
        B, N, C = x.shape
        x = x.transpose(1, 2).view(B, C, H, W)
        x = self.dwconv(x)
        return x.flatten(2).transpose(1, 2)


def run():
    layer = DWConv()
    out = layer(torch.randn(2, 12, 8), 3, 4)
    out.sum().backward()
    return out.shape
