"""Source: https://github.com/OmidPoursaeed/Generative_Adversarial_Perturbations/issues/4
What went wrong: the issue "Wrong Implementation" showed that the generator's perturbation was shifted,
normalised and l_inf-rescaled through `.data` between the generator and the loss, so autograd never saw
those multiplications: the gradient reaching the generator is off by the scale factor (the thread's
example: 12 instead of 48) and training optimises a different objective than the one evaluated.
Shape: `delta = netG(noise)` is handed to a helper `normalize_and_scale(delta)` that rescales it in place
via `delta.data`; the training function then clamps the sum `image + delta` through `.data` again and
backpropagates the classifier loss into netG. (The original file also logs `loss.data[0]`.)
Verified: ran _checks/check_02.py: generator weight gradient differs from the gradient of the function
actually computed; fixed version matches it.
"""
import torch
import torch.nn as nn

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def normalize_and_scale(delta, mag_in=10.0):
    delta = (delta + 1) * 0.5
    mean = torch.tensor(MEAN, dtype=delta.dtype).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=delta.dtype).view(1, 3, 1, 1)
    delta = (delta - mean) / std
    peak = delta.detach().abs().amax(dim=(2, 3), keepdim=True)
    limit = mag_in / (255.0 * std)
    return delta * torch.clamp(limit / peak, max=1.0)


def train_epoch(netG, classifier, loader, noise, optimizer, history):
    netG.train()
    criterion = nn.CrossEntropyLoss()
    for image, target in loader:
        delta = normalize_and_scale(netG(noise))
        optimizer.zero_grad()
        recons = image + delta
        lo = image.amin(dim=(0, 2, 3)).view(1, 3, 1, 1)
        hi = image.amax(dim=(0, 2, 3)).view(1, 3, 1, 1)
        recons = torch.clamp(recons, lo, hi)
        loss = torch.log(criterion(classifier(recons), target))
        loss.backward()
        optimizer.step()
        history.append(loss.item())
