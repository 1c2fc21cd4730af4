"""Source: https://github.com/pytorch/audio/pull/1993
While replacing legacy `.data` initialisation in torchaudio, the contributor tried `conv.weight.fill_(1)` in the
WaveRNN upsampling network and got "RuntimeError: a leaf Variable that requires grad is being used in an
in-place operation."; the reviewer pointed to torch.nn.init.constant_.
Shape: an upsampling module creates nn.Conv2d smoothing layers in a loop in __init__ and initialises each
layer's weight with fill_ before appending it to a ModuleList.
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn as nn


class Stretch2d(nn.Module):
    def __init__(self, time_scale, freq_scale=1):
        super().__init__()
        self.time_scale = time_scale
        self.freq_scale = freq_scale

    def forward(self, x):
        return x.repeat_interleave(self.freq_scale, -2).repeat_interleave(self.time_scale, -1)


class UpsampleNetwork(nn.Module):
    def __init__(self, upsample_scales):
        super().__init__()
        layers = []
        for scale in upsample_scales:
            k_size = (1, scale * 2 + 1)
            padding = (0, scale)
            stretch = Stretch2d(scale, 1)
            conv = nn.Conv2d(in_channels=1, out_channels=1, kernel_size=k_size, padding=padding, bias=False)
            conv.weight.fill_(1.0 / k_size[1])  # expect: TPF006
            layers.append(stretch)
            layers.append(conv)
        self.upsample_layers = nn.Sequential(*layers)

    def forward(self, specgram):
        return self.upsample_layers(specgram.unsqueeze(1)).squeeze(1)


def run():
    net = UpsampleNetwork([2, 3])
    return net(torch.randn(1, 4, 5))
