"""Source: https://github.com/lukemelas/EfficientNet-PyTorch/issues/259
The ImageNet example's training loop crashed in its accuracy helper with "view size is not compatible with
input tensor's size and stride"; the maintainer's fix was `.reshape` in place of `.view`.
Shape: the top-k indices are transposed with `.t()`, compared with `.eq()` (the comparison keeps the
transposed layout), sliced by k, then flattened with `.view(-1)`; only k > 1 raises.
Verified: accuracy(torch.randn(8, 10), torch.randint(0, 10, (8,)), topk=(1, 5)) raises RuntimeError: view size
is not compatible with input tensor's size and stride; the fixed file runs.
"""
import torch
import torch.nn as nn


def topk_hits(scores, labels, ks=(1,)):
    """Share of samples whose label is among the k best scores, for each k."""
    with torch.no_grad():
        kmax = max(ks)
        n = labels.size(0)
        _, best = scores.topk(kmax, 1, True, True)
        best = best.t()
        hit = best.eq(labels.view(1, -1).expand_as(best))
        shares = []
        for k in ks:
            hits_k = hit[:k].reshape(-1).float().sum(0, keepdim=True)
            shares.append(hits_k.mul_(100.0 / n))
        return shares


def train_one_epoch(model, loader, criterion, optimizer):
    model.train()
    for images, labels in loader:
        scores = model(images)
        loss = criterion(scores, labels)
        top1, top5 = topk_hits(scores, labels, ks=(1, 5))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        print(f"loss {loss.item():.3f} top1 {top1.item():.1f} top5 {top5.item():.1f}")


def run():
    model = nn.Linear(16, 10)
    loader = [(torch.randn(8, 16), torch.randint(0, 10, (8,)))]
    train_one_epoch(model, loader, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.1))
