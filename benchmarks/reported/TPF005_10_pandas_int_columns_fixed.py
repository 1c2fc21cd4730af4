"""Source: https://openillumi.com/en/en-fix-mat1-mat2-dtype-error-pytorch
The write-up's income-prediction example raised "RuntimeError: mat1 and mat2 must have the same dtype" because
X = torch.tensor(df[[...]].values) came out as torch.int64 (count columns) while nn.Linear weights are float32.
Shape: the features are selected from a pandas DataFrame read with read_csv, converted with
torch.tensor(df[cols].values) in a helper that returns (X, y), and given to the float32 regression model in the
training loop.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Long and Float (torch 2.13.0+cpu, _checks/check_tpf005.py) (pandas not installed: stubbed in the check, which passes the numpy data it would return); fixed runs
"""
import pandas as pd
import torch
import torch.nn as nn

FEATURES = ["bachelor_degree_numbers_2016_2020", "associate_degree_numbers_2016_2020"]
TARGET = "per_capita_personal_income_2020"


def load_frame(path="./input/us_counties_education_income.csv"):
    return pd.read_csv(path)


def to_tensors(df):
    X = torch.tensor(df[FEATURES].values, dtype=torch.float32)
    y = torch.tensor(df[TARGET].values)
    return X, y


class IncomeRegressor(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.linear = nn.Linear(n_features, 1)

    def forward(self, x):
        return self.linear(x)


def train(df, epochs=5, lr=1e-9):
    X, y = to_tensors(df)
    model = IncomeRegressor(X.shape[1])
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    criterion = nn.MSELoss()
    for epoch in range(epochs):
        optimizer.zero_grad()
        pred = model(X)
        loss = criterion(pred.squeeze(1), y.float())
        loss.backward()
        optimizer.step()
    return model
