"""Source: https://github.com/xbresson/spectral_graph_convnets/issues/6
What went wrong: the spectral graph ConvNet script `full_gcn.py` failed at `loss_train = loss.data[0]`
with "IndexError: invalid index of a 0-dim tensor. Use tensor.item() to convert a 0-dim tensor to a
Python number".
Shape: module-level training script (as in the report): the model's own `loss()` method returns the
cross-entropy plus an L2 term over its parameters; after `backward()`/`step()` the script reads
`loss.data[0]` and sums it into a running total for the epoch printout.
Verified: ran both files directly with the venv python: bug raises IndexError: invalid index of a
0-dim tensor; fixed runs
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GraphConvNet(nn.Module):
    def __init__(self, n_in, n_hidden, n_classes):
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_classes)

    def forward(self, x, L):
        h = F.relu(L @ self.fc1(x))
        return self.fc2(h.mean(dim=1))

    def loss(self, y, target, l2_reg):
        l2 = sum(p.pow(2).sum() for p in self.parameters())
        return F.cross_entropy(y, target) + l2_reg * l2


net = GraphConvNet(1, 32, 10)
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
L = torch.eye(16)
train_x = torch.randn(256, 16, 1)
train_y = torch.randint(0, 10, (256,))
batch_size = 64
for epoch in range(2):
    running_loss, running_acc, n_batches = 0.0, 0.0, 0
    for idx in np.split(np.random.permutation(256), 256 // batch_size):
        batch_x, batch_y = train_x[idx], train_y[idx]
        optimizer.zero_grad()
        y = net(batch_x, L)
        loss = net.loss(y, batch_y, 5e-4)
        loss.backward()
        optimizer.step()
        loss_train = loss.item()
        acc_train = (y.detach().argmax(dim=1) == batch_y).float().mean().item()
        running_loss += loss_train
        running_acc += acc_train
        n_batches += 1
    print("epoch= %d, loss(train)= %.3f, accuracy(train)= %.3f"
          % (epoch + 1, running_loss / n_batches, running_acc / n_batches))
