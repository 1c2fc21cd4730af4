"""Source: https://github.com/eriklindernoren/PyTorch-GAN/issues/21 (same script: its weight initialiser)
Lookalike (must stay silent for TPF002): the WGAN-GP script initialises both networks with a function
passed to `module.apply()` that writes `m.weight.data.normal_(...)` / `m.bias.data.fill_(0)`. This is init
code: no graph exists yet, so `.data` cannot corrupt a gradient (TPF012 territory, opt-in only). The
training loop below uses `.detach()` / `.item()` and no `.data`.
Shape: `weights_init_normal` dispatches on the class name and is applied once before training.
Verified: by reading
"""
import torch
import torch.nn as nn


def weights_init_normal(m):
    classname = m.__class__.__name__
    if classname.find("Linear") != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


def build(latent=100):
    generator = nn.Sequential(nn.Linear(latent, 256), nn.BatchNorm1d(256), nn.ReLU(),
                              nn.Linear(256, 784), nn.Tanh())
    discriminator = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    generator.apply(weights_init_normal)
    discriminator.apply(weights_init_normal)
    return generator, discriminator


def critic_step(generator, discriminator, optimizer_D, real_imgs, latent=100):
    optimizer_D.zero_grad()
    z = torch.randn(real_imgs.size(0), latent)
    fake_imgs = generator(z).detach()
    d_loss = -discriminator(real_imgs).mean() + discriminator(fake_imgs).mean()
    d_loss.backward()
    optimizer_D.step()
    return d_loss.item()
