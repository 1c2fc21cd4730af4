"""Source: https://github.com/fastai/course22/issues/99
In the thread, df[indep_cols].values failed because of object dtype and the accepted fix was
df[indep_cols].to_numpy(dtype=np.float32); a DataFrame's .values / .to_numpy() is an ndarray, so
torch.from_numpy on it is correct.
Shape: a preprocessing function selects feature columns from a DataFrame and converts them with
torch.from_numpy(df[cols].to_numpy(dtype=np.float32)) and torch.from_numpy(df[target].values).
Verified: runs without error (real pandas) (lookalike; must stay silent)
"""
import numpy as np
import pandas as pd
import torch


def to_tensors(df: pd.DataFrame, indep_cols, dep_col="Survived"):
    t_indep = torch.from_numpy(df[indep_cols].to_numpy(dtype=np.float32))
    t_dep = torch.from_numpy(df[dep_col].values).float()
    return t_indep, t_dep


def run():
    df = pd.DataFrame({"Age": [22.0, 38.0, 26.0], "SibSp": [1, 1, 0], "Fare": [7.25, 71.28, 7.92],
                       "Survived": [0, 1, 1]})
    x, y = to_tensors(df, ["Age", "SibSp", "Fare"])
    return x.shape, y.shape
