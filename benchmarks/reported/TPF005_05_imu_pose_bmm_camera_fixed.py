"""Source: https://github.com/CHUNYUWANG/imu-human-pose-pytorch/issues/8
The reporter got "RuntimeError: expected scalar type Double but found Float" at
`coords_global = torch.bmm(inv_cam_extri_R, coords_img_frame_all_depth) + inv_cam_extri_T`; casting
inv_cam_extri_R to float64 did not help.
Shape: camera extrinsics are loaded from numpy calibration arrays (float64) in a helper and returned in a dict;
the homogeneous pixel grid is built with torch.linspace / torch.ones (float32) in another helper; the two meet
in torch.bmm inside the back-projection function.
Verified: raises RuntimeError: expected scalar type Double but found Float (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import numpy as np
import torch


def load_cameras(calib):
    cams = {}
    for key in ("R", "T", "K"):
        cams[key] = torch.from_numpy(np.stack([np.asarray(c[key]) for c in calib])).float()
    cams["inv_R"] = cams["R"].transpose(1, 2)
    cams["inv_K"] = torch.inverse(cams["K"])
    return cams


def pixel_grid(h, w, device="cpu"):
    ys = torch.linspace(0, h - 1, h, device=device)
    xs = torch.linspace(0, w - 1, w, device=device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")
    grid = torch.ones(3, h * w, device=device)
    grid[0] = grid_x.reshape(-1)
    grid[1] = grid_y.reshape(-1)
    return grid


def uv_to_global(cams, h, w, depths):
    n_views = cams["R"].shape[0]
    uv1 = pixel_grid(h, w).unsqueeze(0).expand(n_views, 3, h * w)
    rays = torch.bmm(cams["inv_K"].float(), uv1)
    points = []
    for d in depths:
        coords_cam = rays * d
        coords_global = torch.bmm(cams["inv_R"], coords_cam) + cams["T"].reshape(n_views, 3, 1)
        points.append(coords_global)
    return torch.stack(points, dim=1)
