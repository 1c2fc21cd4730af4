"""Source: https://github.com/ajhamdi/MVTN/issues/2
Training was "killed" in the second epoch after host memory filled up; changing `total_loss += loss` to
`total_loss += loss.item()` removed the leak and the maintainer updated the code.
Shape: a multi-view model returns (logits, predicted view angles); the loss gets a view regulariser added with
`loss = loss + ...` before `backward()` (fine), and afterwards the same loss is summed into the epoch total.
Verified: ran _checks/check_tpf001.py: the bug's epoch loss has a grad_fn; the fixed one is a float.
"""
import torch
import torch.nn as nn


class MultiViewClassifier(nn.Module):
    def __init__(self, n_points, n_views=4, n_classes=10):
        super().__init__()
        self.view_regressor = nn.Linear(n_points * 3, n_views * 2)
        self.classifier = nn.Linear(n_points * 3 + n_views * 2, n_classes)

    def forward(self, points):
        flat = points.flatten(1)
        azim_elev = torch.tanh(self.view_regressor(flat)) * 180.0
        logits = self.classifier(torch.cat([flat, azim_elev / 180.0], dim=1))
        return logits, azim_elev


def train_epoch(model, optimizer, loader, reg_weight=1e-4):
    criterion = nn.CrossEntropyLoss()
    model.train()
    total_loss, n_correct, n_seen = 0.0, 0, 0
    for points, targets in loader:
        optimizer.zero_grad()
        outputs, views = model(points)
        loss = criterion(outputs, targets)
        loss = loss + reg_weight * views.pow(2).mean()
        loss.backward()
        optimizer.step()
        total_loss += loss  # expect: TPF001
        n_correct += (outputs.argmax(1) == targets).sum().item()
        n_seen += targets.shape[0]
    return total_loss / len(loader), n_correct / n_seen
