"""Source: https://github.com/amdegroot/ssd.pytorch/issues/195
The reporter asked what loc.append(l(x).permute(0, 2, 3, 1).contiguous()) is for; without the
.contiguous() the later flatten raises "view size is not compatible with input tensor's size and stride".
Shape: per-scale head outputs are permuted NCHW -> NHWC and appended to lists in a loop over zip(sources,
heads); a list comprehension over the stored tensors then calls o.view(o.size(0), -1) before torch.cat.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class MultiBoxHead(nn.Module):
    def __init__(self, in_channels=(8, 16), num_anchors=4, num_classes=3):
        super().__init__()
        self.num_classes = num_classes
        self.loc = nn.ModuleList(nn.Conv2d(c, num_anchors * 4, 3, padding=1) for c in in_channels)
        self.conf = nn.ModuleList(nn.Conv2d(c, num_anchors * num_classes, 3, padding=1) for c in in_channels)

    def forward(self, sources):
        loc, conf = [], []
        for x, l, c in zip(sources, self.loc, self.conf):
            loc.append(l(x).permute(0, 2, 3, 1))
            conf.append(c(x).permute(0, 2, 3, 1))
        loc = torch.cat([o.view(o.size(0), -1) for o in loc], 1)  # expect: TPF003
        conf = torch.cat([o.view(o.size(0), -1) for o in conf], 1)  # expect: TPF003
        batch = loc.size(0)
        return loc.view(batch, -1, 4), conf.view(batch, -1, self.num_classes)


def run():
    head = MultiBoxHead()
    feats = [torch.randn(2, 8, 6, 6), torch.randn(2, 16, 3, 3)]
    loc, conf = head(feats)
    (loc.sum() + conf.sum()).backward()
    return loc.shape, conf.shape
