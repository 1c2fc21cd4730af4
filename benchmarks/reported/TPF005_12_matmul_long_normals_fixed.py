"""Source: https://github.com/pytorch/pytorch/issues/11951
A commenter on the dtype-mismatch-message issue reported `f_times_t = torch.matmul(low, self.n_)` failing with
"Expected object of scalar type Float but got scalar type Long for argument #2 'mat2'".
Shape: a module stores a constant matrix built with torch.tensor from integer lists (int64) as an attribute
in __init__; forward computes a float32 tensor and multiplies it by that attribute with torch.matmul.
Verified: raises RuntimeError: expected m1 and m2 to have the same dtype, but got: float != long int (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import torch
import torch.nn as nn

CUBE_NORMALS = [
    [1, 0, 0], [-1, 0, 0],
    [0, 1, 0], [0, -1, 0],
    [0, 0, 1], [0, 0, -1],
]


class FaceProjector(nn.Module):
    def __init__(self, feat_dim):
        super().__init__()
        self.to_dir = nn.Linear(feat_dim, 3)
        self.n_ = torch.tensor(CUBE_NORMALS, dtype=torch.float32).t()

    def forward(self, feats):
        low = torch.tanh(self.to_dir(feats))
        f_times_t = torch.matmul(low, self.n_)
        return f_times_t.softmax(dim=-1)


def face_scores(batch=4, feat_dim=16):
    model = FaceProjector(feat_dim)
    feats = torch.randn(batch, feat_dim)
    return model(feats).argmax(dim=-1)
