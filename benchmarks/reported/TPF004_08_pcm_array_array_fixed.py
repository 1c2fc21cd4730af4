"""Source: https://auditok.readthedocs.io/en/v0.2.0/generated/auditok.signal.to_array.html
auditok's to_array "will always return a list of array.array objects (one per channel)"; handing such
a channel to torch.from_numpy raises "TypeError: expected np.ndarray (got array.array)" (the notes' case).
Shape: raw 16-bit PCM bytes are split per channel into array.array objects by a helper (as auditok
does); the feature extractor converts the first channel with torch.from_numpy.
Verified: raises TypeError: expected np.ndarray (got array.array); fixed runs
"""
from array import array

import numpy as np
import torch


def to_channel_arrays(data: bytes, channels=1):
    samples = array("h", data)
    return [samples[c::channels] for c in range(channels)]


def log_energy_frames(data: bytes, frame=160):
    channel = to_channel_arrays(data)[0]
    wav = torch.from_numpy(np.asarray(channel, dtype=np.int16)).float() / 32768.0
    n = wav.numel() // frame
    frames = wav[: n * frame].reshape(n, frame)
    return torch.log(frames.pow(2).mean(dim=1) + 1e-8)


def run():
    pcm = (np.sin(np.arange(800) / 5.0) * 8000).astype("<i2").tobytes()
    return log_energy_frames(pcm).shape
