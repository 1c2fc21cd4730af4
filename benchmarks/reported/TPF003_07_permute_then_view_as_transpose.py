"""Source: https://github.com/TengLi931128/NLP
The note shows M3 = M.permute(2, 1, 0) followed by M3.view(3, 4, 2) raising "view size is not
compatible with input tensor's size and stride" (view cannot rearrange a permuted tensor).
Shape: a batch of (channels, rows, cols) maps is permuted to (cols, rows, channels) in one function,
returned, and a caller regroups it with .view(rows, cols, channels) as if view could reorder axes.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch


def to_cols_first(maps):
    return maps.permute(2, 1, 0)


def regroup(maps):
    c, r, w = maps.shape
    cols_first = to_cols_first(maps)
    return cols_first.view(r, w, c)  # expect: TPF003


def run():
    maps = torch.arange(24).view(2, 3, 4)
    return regroup(maps)
