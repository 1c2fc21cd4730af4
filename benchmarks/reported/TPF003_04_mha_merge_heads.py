"""Source: https://github.com/pytorch/pytorch/issues/141107
The reporter's multi-head attention failed with "Cannot view a tensor with shape ... and strides ...
as a tensor with shape (2, 256)" when merging the heads with permute followed by view.
Shape: per-head outputs (B, H, L, D) come out of a hand-written causal attention in forward; they are
permuted to (B, L, H, D) and the heads are merged with .view(B, L, H * D) without .contiguous().
(With F.scaled_dot_product_attention the output strides depend on the kernel, which is why the
report only reproduced on some setups; the explicit matmul path below always has (B, H, L, D) strides.)
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class SelfAttention(nn.Module):
    def __init__(self, embed_dim=32, num_heads=4):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x):
        b, l, e = x.shape
        qkv = self.qkv(x).view(b, l, 3, self.num_heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        scores = (q @ k.transpose(-2, -1)) / (self.head_dim ** 0.5)
        mask = torch.ones(l, l, dtype=torch.bool).triu(1)
        out = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
        out = out.permute(0, 2, 1, 3)
        out = out.view(b, l, self.num_heads * self.head_dim)  # expect: TPF003
        return self.proj(out)


def run(batch=2, length=5, embed_dim=32):
    layer = SelfAttention(embed_dim=embed_dim)
    x = torch.randn(batch, length, embed_dim)
    y = layer(x)
    y.sum().backward()
    return y.shape
