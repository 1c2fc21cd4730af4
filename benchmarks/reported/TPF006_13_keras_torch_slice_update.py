"""Source: https://github.com/keras-team/keras-core/pull/405
The torch backend's slice_update failed with "RuntimeError: a leaf Variable that requires grad is being used
in an in-place operation." when gradients were needed for the input tensor; the PR copies the tensor before
updating the slice.
Shape: a backend op receives the tensor as a parameter, builds a tuple of slices from start indices and the
update's shape, and assigns into inputs[slices]; the caller passes a trainable tensor made with
requires_grad=True (a variable's value).
Verified: raises RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch


def slice_update(inputs, start_indices, updates):
    shape = updates.shape
    slices = tuple(slice(start, start + length) for start, length in zip(start_indices, shape))
    inputs[slices] = updates  # expect: TPF006
    return inputs


def masked_write(batch=4, width=6):
    state = torch.zeros(batch, width, requires_grad=True)
    patch = torch.ones(2, 3)
    out = slice_update(state, (1, 2), patch)
    loss = (out * torch.arange(width, dtype=torch.float32)).sum()
    loss.backward()
    return state.grad
