"""Source: https://github.com/hyunwoongko/transformer/issues/21
The reporter asked why concat() calls .contiguous() after transpose; dropping it makes the
head-merge view raise "view size is not compatible with input tensor's size and stride".
Shape: split()/concat() are helper methods on the attention module; concat receives the attention
output (B, H, L, D), transposes it to (B, L, H, D) and merges heads with .view(B, L, d_model).
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model=24, n_head=3):
        super().__init__()
        self.n_head = n_head
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_concat = nn.Linear(d_model, d_model)

    def split(self, tensor):
        batch, length, d_model = tensor.size()
        return tensor.view(batch, length, self.n_head, d_model // self.n_head).transpose(1, 2)

    def concat(self, tensor):
        batch, head, length, d_tensor = tensor.size()
        d_model = head * d_tensor
        tensor = tensor.transpose(1, 2).contiguous()
        return tensor.view(batch, length, d_model)

    def forward(self, q, k, v):
        q, k, v = self.split(self.w_q(q)), self.split(self.w_k(k)), self.split(self.w_v(v))
        score = (q @ k.transpose(2, 3)) / (q.size(-1) ** 0.5)
        out = score.softmax(-1) @ v
        return self.w_concat(self.concat(out))


def run():
    mha = MultiHeadAttention()
    x = torch.randn(2, 7, 24)
    out = mha(x, x, x)
    out.mean().backward()
    return out.shape
