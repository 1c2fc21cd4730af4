"""Source: https://github.com/evelinehong/Transformer_Relative_Position_PyTorch/issues/1
The reporter asked why .contiguous() sits between permute and view in the relative-position attention;
without it the time-major regrouping raises "view size is not compatible with input tensor's size and stride".
Shape: queries (B, L, H, D) are permuted to time-major (L, B, H, D) in forward and regrouped with
.view(L, B * H, D) to multiply with relative-position keys; the attention is later permuted back.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class RelativeAttention(nn.Module):
    def __init__(self, hid_dim=16, n_heads=2, max_rel=4):
        super().__init__()
        self.n_heads, self.head_dim = n_heads, hid_dim // n_heads
        self.fc_q = nn.Linear(hid_dim, hid_dim)
        self.rel_k = nn.Embedding(2 * max_rel + 1, self.head_dim)
        self.max_rel = max_rel

    def rel_keys(self, length):
        pos = torch.arange(length)
        dist = (pos[None, :] - pos[:, None]).clamp(-self.max_rel, self.max_rel) + self.max_rel
        return self.rel_k(dist)  # (L, L, D)

    def forward(self, query):
        b, l, _ = query.shape
        q = self.fc_q(query).view(b, l, self.n_heads, self.head_dim)
        r_q = q.permute(1, 0, 2, 3)
        r_q = r_q.view(l, b * self.n_heads, self.head_dim)  # expect: TPF003
        attn2 = torch.matmul(r_q, self.rel_keys(l).transpose(1, 2))  # (L, B*H, L)
        attn2 = attn2.transpose(0, 1).contiguous().view(b, self.n_heads, l, l)
        return attn2.softmax(-1)


def run():
    layer = RelativeAttention()
    out = layer(torch.randn(3, 5, 16))
    out.sum().backward()
    return out.shape
