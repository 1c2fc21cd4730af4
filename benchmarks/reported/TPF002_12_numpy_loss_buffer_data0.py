"""Source: https://github.com/nshaud/DeepNetsForEO/issues/36
What went wrong: calling `train(net, optimizer, 50, scheduler)` on the Potsdam dataset failed at
`losses[iter_] = loss.data[0]` with "IndexError: invalid index of a 0-dim tensor. Use tensor.item() to
convert a 0-dim tensor to a Python number".
Shape: a segmentation training function preallocates a NumPy buffer of losses, writes each iteration's
loss into it through `.data[0]`, and keeps a running mean over the last 100 entries for display; the
loss comes from `F.cross_entropy` on the network output and is backpropagated in the same loop.
Verified: ran _checks/check_12.py: bug raises IndexError: invalid index of a 0-dim tensor; fixed runs
"""
import numpy as np
import torch
import torch.nn.functional as F


def train(net, optimizer, epochs, scheduler=None, loader=(), weights=None, display_every=100):
    losses = np.zeros(1000000)
    mean_losses = np.zeros(1000000)
    iter_ = 0
    for e in range(1, epochs + 1):
        if scheduler is not None:
            scheduler.step()
        net.train()
        for batch_idx, (data, target) in enumerate(loader):
            optimizer.zero_grad()
            output = net(data)
            loss = F.cross_entropy(output, target, weight=weights)
            loss.backward()
            optimizer.step()
            losses[iter_] = loss.data[0]  # expect: TPF002
            mean_losses[iter_] = np.mean(losses[max(0, iter_ - 100):iter_ + 1])
            if iter_ % display_every == 0:
                pred = np.argmax(output.detach().cpu().numpy()[0], axis=0)
                gt = target.cpu().numpy()[0]
                print("Train (epoch {}) loss {:.6f} acc {:.2f}%".format(
                    e, losses[iter_], 100.0 * float(np.mean(pred == gt))))
            iter_ += 1
    return mean_losses[:iter_]
