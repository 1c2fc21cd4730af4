"""Source: https://github.com/andreasveit/triplet-network-pytorch/issues/8 (same project: its triplet loader)
Lookalike (must stay silent for TPF002): the triplet MNIST loader keeps the images in `self.data` (taken
from `torchvision.datasets.MNIST(...).data`) and indexes `self.data[i]` in `__getitem__`. That is a
Dataset attribute / torchvision buffer, not `.data` of a tensor in a live graph; no autograd is involved.
Shape: a `Dataset` subclass built once, indexed by the DataLoader, returning three image tensors.
Verified: by reading (torchvision not needed to parse)
"""
import random

import torch
from torch.utils.data import Dataset
from torchvision import datasets


class MNISTTriplets(Dataset):
    def __init__(self, root, n_triplets=50000, train=True):
        mnist = datasets.MNIST(root, train=train, download=True)
        self.data = mnist.data
        self.labels = mnist.targets
        self.by_class = {c: (self.labels == c).nonzero().flatten().tolist() for c in range(10)}
        self.triplets = [self._sample() for _ in range(n_triplets)]

    def _sample(self):
        c, other = random.sample(range(10), 2)
        a, p = random.sample(self.by_class[c], 2)
        n = random.choice(self.by_class[other])
        return a, p, n

    def __len__(self):
        return len(self.triplets)

    def __getitem__(self, index):
        a, p, n = self.triplets[index]
        imgs = [self.data[i].float().div(255.0).unsqueeze(0) for i in (a, p, n)]
        return tuple(imgs)


def make_loader(root, batch_size=64):
    return torch.utils.data.DataLoader(MNISTTriplets(root), batch_size=batch_size, shuffle=True)
