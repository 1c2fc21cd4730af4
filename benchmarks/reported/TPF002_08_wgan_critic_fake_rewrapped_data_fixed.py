"""Source: https://github.com/martinarjovsky/WassersteinGAN/pull/25
What went wrong: when updating the critic, backpropagation ran through netG as well (wasted time and
memory on the generator's graph); the merged PR cut the graph by re-wrapping the generator output from
`.data` (`fake = Variable(netG(noisev).data)`), the reviewer noting that `detach` then becomes
redundant. `.data` here stands in for `.detach()` (or running netG under `torch.no_grad()`).
Shape: inside the critic loop of a training function, the generator call result's `.data` is taken
inline and fed to the critic, whose loss is backpropagated with `errD.backward()`; the critic's weights are
then clipped.
Verified: by reading (_checks/check_04_08.py smoke-runs both versions: `.data` here stands in for
`.detach()` without crashing)
"""
import torch
import torch.nn as nn


def train_critic(netG, netD, optimizerD, data_iter, batch_size, nz, d_iters=5, clamp=0.01):
    one = torch.tensor(1.0)
    mone = -one
    for _ in range(d_iters):
        with torch.no_grad():
            for p in netD.parameters():
                p.clamp_(-clamp, clamp)
        real = next(data_iter)
        netD.zero_grad()
        errD_real = netD(real).mean()
        errD_real.backward(one)
        noise = torch.randn(batch_size, nz, 1, 1)
        fake = netG(noise).detach()
        errD_fake = netD(fake).mean()
        errD_fake.backward(mone)
        optimizerD.step()
    return (errD_real - errD_fake).item()


class Critic(nn.Module):
    def __init__(self, nc=3, ndf=64):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, 1, 4, 1, 0, bias=False))

    def forward(self, x):
        return self.main(x).view(-1)
