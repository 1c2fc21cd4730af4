"""Source: https://github.com/pytorch/pytorch/issues/764
The reporter got "input is not contiguous" (today: RuntimeError: view size is not compatible with
input tensor's size and stride) when flattening a Conv1d output after a transpose.
Shape: a Conv1d output (N, C, L) is transposed in the forward to line up the channel axis for the
loss and then flattened with .view(-1) inside the same method before summing / the loss.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class FrameScorer(nn.Module):
    def __init__(self, in_feats=5, out_feats=10):
        super().__init__()
        self.conv = nn.Conv1d(in_channels=in_feats, out_channels=out_feats, kernel_size=2)

    def forward(self, frames):
        # frames arrive as (batch, time, feats); Conv1d wants (batch, feats, time)
        x = torch.transpose(frames, 1, 2)
        y = self.conv(x)
        y = y.transpose(0, 1)
        flat = y.view(-1)  # expect: TPF003
        return flat


def train_step(model, frames, optimizer):
    optimizer.zero_grad()
    scores = model(frames)
    loss = scores.sum()
    loss.backward()
    optimizer.step()
    return loss.item()


def run(batch=4, time=6, feats=5):
    model = FrameScorer(in_feats=feats)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    frames = torch.randn(batch, time, feats, requires_grad=True)
    return train_step(model, frames, opt)
