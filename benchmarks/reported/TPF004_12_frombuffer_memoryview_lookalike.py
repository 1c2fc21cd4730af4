"""Source: https://github.com/eth-easl/modyn/pull/383
The pipeline's bytes parser does torch.from_numpy(np.frombuffer(data, dtype=np.float32)) on a
memoryview; np.frombuffer returns an ndarray, so this is correct (the PR swaps it for torch.frombuffer).
Shape: a bytes_parser_function receives a memoryview from the storage layer and converts it through
np.frombuffer before torch.from_numpy, then reshapes to an image.
Verified: runs without error (lookalike; must stay silent)
"""
import numpy as np
import torch


def bytes_parser_function(data: memoryview) -> torch.Tensor:
    arr = np.frombuffer(data, dtype=np.float32).copy()
    return torch.from_numpy(arr).reshape(3, 4, 4)


def load_batch(records):
    return torch.stack([bytes_parser_function(memoryview(r)) for r in records])


def run():
    raw = np.arange(48, dtype=np.float32).tobytes()
    return load_batch([raw, raw]).shape
