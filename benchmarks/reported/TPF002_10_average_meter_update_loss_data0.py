"""Source: https://github.com/andreasveit/triplet-network-pytorch/issues/8
What went wrong: `losses.update(loss_triplet.data[0], data1.size(0))` raised "IndexError: invalid index
of a 0-dim tensor. Use tensor.item() to convert a 0-dim tensor to a Python number"; a commenter's advice
(`.data` without `[0]`) then stores a tensor in the meter instead of a number.
Shape: the triplet net returns three distances and three embeddings (tuple-unpacked); the margin loss
plus an embedding-norm term is backpropagated, and the per-batch statistics go into `AverageMeter`
objects through `.data[0]`.
Verified: ran _checks/check_10.py: bug raises IndexError: invalid index of a 0-dim tensor; fixed runs
"""
import torch
import torch.nn as nn


class AverageMeter:
    def __init__(self):
        self.sum, self.count, self.avg = 0.0, 0, 0.0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def accuracy(dista, distb):
    return (dista > distb).float().mean().item()


def train(loader, tnet, criterion, optimizer, margin_weight=0.001):
    losses, accs, emb_norms = AverageMeter(), AverageMeter(), AverageMeter()
    tnet.train()
    for data1, data2, data3 in loader:
        dista, distb, embedded_x, embedded_y, embedded_z = tnet(data1, data2, data3)
        target = torch.ones_like(dista)
        loss_triplet = criterion(dista, distb, target)
        loss_embedd = embedded_x.norm(2) + embedded_y.norm(2) + embedded_z.norm(2)
        loss = loss_triplet + margin_weight * loss_embedd
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss_triplet.data[0], data1.size(0))  # expect: TPF002
        accs.update(accuracy(dista, distb), data1.size(0))
        emb_norms.update(loss_embedd.data[0] / 3, data1.size(0))  # expect: TPF002
    return losses.avg, accs.avg, emb_norms.avg
