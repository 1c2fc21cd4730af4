"""Source: https://liu-nlp.ai/tdde09/blog/posts/2024-01-19/index.html
The course post starts from torch.randn(2, 3, 2).permute(0, 2, 1).view(-1) raising "view size is not
compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces)".
Shape: token features (batch, seq, dim) are permuted to (batch, dim, seq) by a helper that feeds a
feature-major probe, and a second helper flattens the returned tensor with .view(-1).
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch


def feature_major(hidden):
    """(batch, seq, dim) -> (batch, dim, seq)"""
    return hidden.permute(0, 2, 1)


def flatten_for_probe(hidden):
    fm = feature_major(hidden)
    return fm.reshape(-1)


def probe_scores(hidden, weight):
    flat = flatten_for_probe(hidden)
    return flat @ weight


def run():
    hidden = torch.randn(2, 3, 2)
    weight = torch.randn(12)
    return probe_scores(hidden, weight)
