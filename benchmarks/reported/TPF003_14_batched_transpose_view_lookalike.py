"""Source: https://github.com/pytorch/pytorch/issues/3653
The reporter wrote a.transpose(-1, -2).view(-1, 64, 32) (a 4-D+ bmm treating leading dims as batch);
in 2017 it raised, current PyTorch accepts it because the view only merges the untouched leading dims.
Shape: a helper flattens all batch dimensions of a (..., n, m) tensor after swapping its last two axes,
for a batched matmul; the merged dimensions (16, 8) are still adjacent and in order.
Verified: runs without error on torch 2.x (lookalike; must stay silent)
"""
import torch


def batched_mT_matmul(a, b):
    """a: (B1, B2, n, m), b: (B1, B2, n, k) -> a^T b per batch, shape (B1, B2, m, k)"""
    b1, b2, n, m = a.shape
    k = b.size(-1)
    a_t = a.transpose(-1, -2).view(-1, m, n)
    b_flat = b.view(-1, n, k)
    return torch.bmm(a_t, b_flat).view(b1, b2, m, k)


def run():
    a = torch.randn(16, 8, 32, 64)
    b = torch.randn(16, 8, 32, 5)
    return batched_mT_matmul(a, b).shape
