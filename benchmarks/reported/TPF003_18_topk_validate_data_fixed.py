"""Source: https://github.com/elliothe/BFA/issues/6
The attack script's validation step crashed with "view size is not compatible with input tensor's size and
stride" at the accuracy helper's `correct[:k].view(-1)`; switching to `reshape` resolved it.
Shape: validation passes `output.data` into a module-level accuracy helper; the prediction indices are
transposed before the comparison, and the k-slice of the comparison is flattened with `.view(-1)`.
Verified: validate(...) on a 10-class linear model with topk=(1, 5) raises RuntimeError: view size is not
compatible with input tensor's size and stride; the fixed file runs.
"""
import torch
import torch.nn as nn


def precision_at(output, target, topk=(1,)):
    maxk = max(topk)
    batch_size = target.size(0)
    _, pred = output.topk(maxk, 1, True, True)
    pred = pred.t()
    correct = pred.eq(target.view(1, -1).expand_as(pred))
    res = []
    for k in topk:
        correct_k = correct[:k].reshape(-1).float().sum(0)
        res.append(correct_k.mul_(100.0 / batch_size))
    return res


def validate(loader, model, criterion):
    model.eval()
    total, top1_sum, top5_sum = 0, 0.0, 0.0
    with torch.no_grad():
        for inputs, target in loader:
            output = model(inputs)
            loss = criterion(output, target)
            prec1, prec5 = precision_at(output.data, target, topk=(1, 5))
            top1_sum += prec1.item() * inputs.size(0)
            top5_sum += prec5.item() * inputs.size(0)
            total += inputs.size(0)
    return top1_sum / total, top5_sum / total, loss.item()


def run():
    loader = [(torch.randn(8, 12), torch.randint(0, 10, (8,)))]
    return validate(loader, nn.Linear(12, 10), nn.CrossEntropyLoss())
