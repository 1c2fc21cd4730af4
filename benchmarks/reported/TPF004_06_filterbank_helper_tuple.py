"""Source: https://github.com/echocatzh/MTFAA-Net/issues/6
The reporter got "TypeError: expected np.ndarray (got tuple)" at filter = th.from_numpy(filter).float()
in erb.py: with spafe 0.2.0 the filter-bank function returns a tuple of two members, not an array.
Shape: an nn.Module __init__ calls a filter-bank helper whose newer version returns (fbanks, centers)
and stores th.from_numpy(...) of the result as a buffer.
Verified: raises TypeError: expected np.ndarray (got tuple); fixed runs
"""
import numpy as np
import torch as th
import torch.nn as nn


def erb_filter_banks(nfilts=8, nfft=32, fs=16000):
    """Mimics the newer spafe API: returns (fbanks, center_freqs) instead of just fbanks."""
    edges = np.linspace(0, fs / 2, nfilts + 2)
    bins = np.floor((nfft + 1) * edges / fs).astype(int)
    fbanks = np.zeros((nfilts, nfft // 2 + 1))
    for m in range(1, nfilts + 1):
        lo, mid, hi = bins[m - 1], bins[m], bins[m + 1]
        fbanks[m - 1, lo:mid + 1] = np.linspace(0, 1, mid - lo + 1)
        fbanks[m - 1, mid:hi + 1] = np.linspace(1, 0, hi - mid + 1)
    return fbanks, edges[1:-1]


class Banks(nn.Module):
    def __init__(self, nfilts=8, nfft=32, fs=16000):
        super().__init__()
        filt = erb_filter_banks(nfilts, nfft, fs)
        filt = th.from_numpy(filt).float()  # expect: TPF004
        self.register_buffer("filter", filt)

    def amp2bank(self, amp):
        return th.matmul(amp, self.filter.t())


def run():
    banks = Banks()
    return banks.amp2bank(th.rand(2, 10, 17)).shape
