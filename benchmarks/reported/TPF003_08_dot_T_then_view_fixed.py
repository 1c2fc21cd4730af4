"""Source: https://iifx.dev/en/articles/422546222
The handbook's reshape section transposes with x.T (is_contiguous: False) and notes that .view()
then fails, recommending .contiguous() or .reshape().
Shape: a weight matrix is stored transposed on self in __init__ via .T; a method flattens the
attribute with .view(-1) to compute a norm penalty inside the training loss.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class TiedDecoder(nn.Module):
    def __init__(self, encoder: nn.Linear):
        super().__init__()
        self.encoder = encoder

    @property
    def weight_t(self):
        return self.encoder.weight.T

    def penalty(self):
        w = self.weight_t
        return w.reshape(-1).pow(2).sum()

    def forward(self, z):
        return z @ self.weight_t


def train_step(decoder, z, target, optimizer):
    recon = decoder(z)
    loss = (recon - target).pow(2).mean() + 1e-4 * decoder.penalty()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def run():
    enc = nn.Linear(6, 3)
    dec = TiedDecoder(enc)
    opt = torch.optim.SGD(dec.parameters(), lr=0.1)
    return train_step(dec, torch.randn(4, 6), torch.randn(4, 3), opt)
