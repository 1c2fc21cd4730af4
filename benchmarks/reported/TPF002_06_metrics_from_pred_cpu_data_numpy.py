"""Source: https://github.com/shenweichen/DeepCTR-Torch/issues/208
What went wrong: "Break Computational Graph": inside BaseModel.fit the per-batch metrics were computed from
`y_pred.cpu().data.numpy()`, which first records a `.cpu()` copy in the autograd graph of the live
prediction and only then strips it with the legacy `.data`; the reporter measured the training loop
running faster with `y_pred.detach().cpu().numpy()` ("Besides, .data is an old usage").
Shape: `y_pred = model(x).squeeze()` inside the batch loop of a `fit` method that calls
`loss.backward()` / `optim.step()`; the prediction and label tensors go to sklearn metric functions kept
in a dict, through `.cpu().data.numpy()`.
Verified: by reading
"""
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import log_loss, roc_auc_score


class CTRModel(torch.nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.linear = torch.nn.Linear(n_features, 1)
        self.metrics = {"auc": roc_auc_score, "logloss": log_loss}

    def forward(self, x):
        return torch.sigmoid(self.linear(x))

    def fit(self, loader, optim, epochs=1):
        for _ in range(epochs):
            results = {name: [] for name in self.metrics}
            for x, y in loader:
                y_pred = self(x).squeeze()
                optim.zero_grad()
                loss = F.binary_cross_entropy(y_pred, y.squeeze(), reduction="sum")
                loss.backward()
                optim.step()
                for name, metric_fun in self.metrics.items():
                    results[name].append(metric_fun(
                        y.cpu().data.numpy(),  # expect: TPF002
                        y_pred.cpu().data.numpy().astype("float64")))  # expect: TPF002
            print({k: float(np.mean(v)) for k, v in results.items()})
