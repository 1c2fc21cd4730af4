"""Source: https://github.com/pytorch/pytorch/issues/39150
The reporter sliced an image that requires grad into pieces for a network and scaled a piece in place:
`foo = torch.ones(20, 20).requires_grad_(); bar = foo; bar *= 10` raises "a leaf Variable that requires grad
has been used in an in-place operation", and the slice version `bar = foo[10:, 10:]; bar *= 10` failed too
(today: "a view of a leaf Variable that requires grad is being used in an in-place operation").
Shape: the leaf is made with .requires_grad_() in a helper, then reached through an alias name and through
slices stored in a list, and scaled with *= inside a loop over the patches.
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn as nn


def load_canvas(h=20, w=20):
    return torch.ones(h, w).requires_grad_()


def split_patches(img, size=10):
    return [img[r:r + size, c:c + size] for r in range(0, img.shape[0], size) for c in range(0, img.shape[1], size)]


def score_patches(net, gain=10.0):
    canvas = load_canvas()
    image = canvas
    image = image * (1.0 / 255)
    patches = split_patches(image)
    scores = []
    for patch in patches:
        patch = patch * gain
        scores.append(net(patch.reshape(1, -1)))
    total = torch.cat(scores).sum()
    total.backward()
    return canvas.grad
