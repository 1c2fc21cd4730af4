"""Source: https://github.com/eriklindernoren/PyTorch-GAN/issues/21
What went wrong: "WGAN GP detach is necessary?": the critic step handed `real_imgs.data, fake_imgs.data`
to the gradient-penalty function; the reporter pointed to pytorch/pytorch#6990 and asked for `.detach()`,
because `.data` of the generator output (still in a live graph) escapes autograd's in-place checks. The
same script also printed `d_loss.data[0]`, which now raises IndexError.
Shape: module-level training script; `fake_imgs = generator(z)` is a module call result whose `.data` is
passed as an argument to a helper that builds interpolates with `requires_grad` and calls
`autograd.grad(..., create_graph=True)`; the penalty is then backpropagated.
Verified: ran both files directly with the venv python: bug raises IndexError: invalid index of a
0-dim tensor at the `d_loss.data[0]` print, fixed runs; the `.data` penalty-input line by reading
"""
import numpy as np
import torch
import torch.autograd as autograd
import torch.nn as nn

LAMBDA_GP = 10
LATENT = 100

generator = nn.Sequential(nn.Linear(LATENT, 784), nn.Tanh())
discriminator = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
loader = [torch.rand(64, 784) for _ in range(10)]


def compute_gradient_penalty(D, real_samples, fake_samples):
    alpha = torch.rand(real_samples.size(0), 1)
    interpolates = (alpha * real_samples + (1 - alpha) * fake_samples).requires_grad_(True)
    d_interpolates = D(interpolates)
    grads = autograd.grad(outputs=d_interpolates, inputs=interpolates,
                          grad_outputs=torch.ones_like(d_interpolates),
                          create_graph=True, retain_graph=True)[0]
    return LAMBDA_GP * ((grads.norm(2, dim=1) - 1) ** 2).mean()


for i, real_imgs in enumerate(loader):
    optimizer_D.zero_grad()
    z = torch.from_numpy(np.random.normal(0, 1, (real_imgs.size(0), LATENT)).astype(np.float32))
    fake_imgs = generator(z)
    real_validity = discriminator(real_imgs)
    fake_validity = discriminator(fake_imgs.detach())
    gradient_penalty = compute_gradient_penalty(discriminator, real_imgs.data, fake_imgs.data)  # expect: TPF002
    d_loss = -real_validity.mean() + fake_validity.mean() + gradient_penalty
    d_loss.backward()
    optimizer_D.step()
    print("[Batch %d] [D loss: %f]" % (i, d_loss.data[0]))  # expect: TPF002
