"""Source: https://github.com/Lucaslab-Berkeley/Leopard-EM/pull/17
The PR fixes a bug where a pandas Series pulled from the particle-stack table occasionally failed to
convert to a torch.Tensor; the columns are now converted to numpy arrays first.
Shape: a particle-stack helper reads position/defocus columns from a DataFrame (df[col] is a
Series) and passes them straight to torch.from_numpy before extracting image patches.
Verified: raises TypeError: expected np.ndarray (got Series) (real pandas); fixed runs
"""
import numpy as np
import pandas as pd
import torch


def particle_positions(df: pd.DataFrame):
    pos_y = torch.from_numpy(df["pos_y"])  # expect: TPF004
    pos_x = torch.from_numpy(df["pos_x"])  # expect: TPF004
    defocus = torch.from_numpy(df["defocus"].to_numpy())
    return pos_y, pos_x, defocus


def extract_patches(image, df, box=4):
    pos_y, pos_x, _ = particle_positions(df)
    patches = [image[int(y):int(y) + box, int(x):int(x) + box] for y, x in zip(pos_y, pos_x)]
    return torch.stack(patches)


def run():
    df = pd.DataFrame({"pos_y": np.array([0, 3, 5]), "pos_x": np.array([1, 2, 6]),
                       "defocus": np.array([1.2e4, 1.3e4, 1.1e4])})
    return extract_patches(torch.rand(16, 16), df).shape
