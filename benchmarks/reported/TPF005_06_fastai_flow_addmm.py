"""Source: https://github.com/fastai/fastai/pull/2573
In the head-pose notebook (lesson3-head-pose) the reporter got "Expected object of scalar type Double but got
scalar type Float for argument #3 'mat2' in call to _th_addmm_out": c.flow was a Double tensor while the affine
matrix m was Float; the merged fix made the flow field Float.
Shape: the flow field of image points is built from a numpy float64 array of coordinates and kept as an
attribute of a small FlowField object; the affine matrix is a float32 tensor from torch.eye; they meet in
torch.addmm inside the affine-multiply helper, reached through a transform function.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import math

import numpy as np
import torch


class FlowField:
    def __init__(self, size, flow):
        self.size = size
        self.flow = flow


def points_to_flow(points_yx, size):
    h, w = size
    pts = np.asarray(points_yx)[:, ::-1].copy()
    scaled = pts / np.array([w / 2, h / 2]) - 1
    return FlowField(size, torch.from_numpy(scaled))


def rotation_matrix(degrees):
    angle = degrees * math.pi / 180
    m = torch.eye(3)
    m[0, 0], m[0, 1] = math.cos(angle), -math.sin(angle)
    m[1, 0], m[1, 1] = math.sin(angle), math.cos(angle)
    return m


def affine_mult(c, m):
    size = c.flow.size()
    h, w = c.size
    m[0, 1] *= h / w
    m[1, 0] *= w / h
    flat = c.flow.view(-1, 2)
    c.flow = torch.addmm(m[:2, 2], flat, m[:2, :2].t()).view(size)  # expect: TPF005
    return c


def rotate_points(points_yx, size, degrees=10.0):
    field = points_to_flow(points_yx, size)
    return affine_mult(field, rotation_matrix(degrees)).flow
