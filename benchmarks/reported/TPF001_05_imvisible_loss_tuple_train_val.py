"""Source: https://github.com/samuelyu2002/ImVisible/issues/2
Training ran out of RAM; the maintainer's fix was to change every `running_loss += loss` (and the MSE /
cross-entropy parts, in the training and validation loops) to `+= x.item()`, after which "it works fine".
Shape: a loss helper returns a tuple (total, mse part, cross-entropy part); each element is summed into its own
running total, in the train loop and again in a validation loop that runs without `torch.no_grad()`.
Verified: ran _checks/check_tpf001.py: the bug's running totals have a grad_fn; the fixed ones are floats.
"""
import torch
import torch.nn as nn

mse_criterion = nn.MSELoss()
ce_criterion = nn.CrossEntropyLoss()


def multitask_loss(pred_points, pred_logits, points, labels, alpha=0.5):
    mse = mse_criterion(pred_points, points)
    cross_entropy = ce_criterion(pred_logits, labels)
    return alpha * mse + (1 - alpha) * cross_entropy, mse, cross_entropy


def train_epoch(model, optimizer, train_loader, val_loader):
    model.train()
    running_loss = running_loss_MSE = running_loss_cross_entropy = 0.0
    for images, points, labels in train_loader:
        optimizer.zero_grad()
        pred_points, pred_logits = model(images)
        loss, MSE, cross_entropy = multitask_loss(pred_points, pred_logits, points, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss  # expect: TPF001
        running_loss_MSE += MSE  # expect: TPF001
        running_loss_cross_entropy += cross_entropy  # expect: TPF001

    model.eval()
    val_running_loss = val_mse_loss = val_ce_loss = 0.0
    for images, points, labels in val_loader:
        pred_points, pred_logits = model(images)
        loss, MSE, cross_entropy = multitask_loss(pred_points, pred_logits, points, labels)
        val_running_loss += loss  # expect: TPF001
        val_mse_loss += MSE  # expect: TPF001
        val_ce_loss += cross_entropy  # expect: TPF001

    n_train, n_val = len(train_loader), len(val_loader)
    return (running_loss / n_train, running_loss_MSE / n_train, running_loss_cross_entropy / n_train,
            val_running_loss / n_val, val_mse_loss / n_val, val_ce_loss / n_val)
