"""Source: https://github.com/pytorch/pytorch/issues/15436
The reporter built a one-layer logistic-regression module on sklearn's make_classification data, converted X
with torch.from_numpy(...).double(), and got "Expected object of scalar type Double but got scalar type Float
for argument #2 'mat2'".
Shape: the data comes from sklearn (float64 arrays), is split, wrapped with from_numpy and explicitly cast to
double in a preparation helper; the model keeps its default float32 parameters and is called on minibatch
slices of the double tensor inside the training loop.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py) (sklearn not installed: stubbed in the check, which passes the numpy data it would return); fixed runs
"""
import numpy as np
import torch
import torch.nn as nn
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split


class SingleLayerNet(nn.Module):
    def __init__(self, input_dim, output_dim):
        super().__init__()
        self.linear = nn.Linear(input_dim, output_dim)

    def forward(self, x):
        return self.linear(x)


def load_data(n_samples=600, n_features=10):
    X, y = make_classification(n_samples=n_samples, n_features=n_features, n_redundant=0, n_informative=2)
    return train_test_split(X, y, stratify=y, random_state=42)


def prepare(X, y):
    features = torch.from_numpy(X).float()
    targets = torch.from_numpy(np.asarray(y)).long()
    return features, targets


def train(X_train, y_train, num_epochs=2, batch_size=100, lr=0.001):
    features, targets = prepare(X_train, y_train)
    model = SingleLayerNet(features.shape[1], 2)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(num_epochs):
        for i in range(0, len(features), batch_size):
            optimizer.zero_grad()
            outputs = model(features[i:i + batch_size])
            loss = criterion(outputs, targets[i:i + batch_size])
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch}: loss {loss.item():.4f}")
    return model
