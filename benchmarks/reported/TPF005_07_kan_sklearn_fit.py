"""Source: https://github.com/csinva/imodelsX/issues/8
Running the demo notebook, the reporter's KANClassifier.fit(X, y) on make_classification data failed inside
`output = self.model(x).squeeze()` with a float/double mismatch ("double not float KAN").
Shape: an sklearn-style estimator receives numpy float64 X in fit(), wraps it with torch.tensor(X) into a
TensorDataset, iterates a DataLoader and reshapes the batch with .view before calling its float32 network
stored on self.model.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class TinyKAN(nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.inner = nn.Linear(n_in, hidden)
        self.outer = nn.Linear(hidden, n_out)

    def forward(self, x):
        return self.outer(torch.sin(self.inner(x)))


class KANClassifierLite:
    def __init__(self, hidden_layer_size=64, device="cpu", lr=1e-3, epochs=1):
        self.hidden_layer_size = hidden_layer_size
        self.device = device
        self.lr = lr
        self.epochs = epochs

    def fit(self, X, y, batch_size=128):
        num_features = X.shape[1]
        self.classes_ = np.unique(y)
        self.model = TinyKAN(num_features, self.hidden_layer_size, len(self.classes_)).to(self.device)
        dataset = TensorDataset(torch.tensor(X), torch.tensor(y, dtype=torch.long))
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True)
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.lr)
        criterion = nn.CrossEntropyLoss()
        for _ in range(self.epochs):
            for x, labs in loader:
                x = x.view(-1, num_features).to(self.device)
                optimizer.zero_grad()
                output = self.model(x).squeeze()  # expect: TPF005
                loss = criterion(output, labs.to(self.device))
                loss.backward()
                optimizer.step()
        return self
