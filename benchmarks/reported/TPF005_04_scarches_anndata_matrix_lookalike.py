"""Source: https://github.com/theislab/scarches/issues/195
Lookalike (correct code): with the maintainer's fix (adata.X.astype('float32')) the encoder gets float32 input;
the per-gene loss weights stay float64 numpy values and are combined with the float32 reconstruction error
only elementwise, which promotes instead of raising.
Shape: float64 weights made by np.log1p on the gene means, wrapped with torch.from_numpy and multiplied into the
per-element squared error; no matrix product sees a float64 operand.
Verified: runs without error on torch 2.13.0+cpu (_checks/check_tpf005.py)
"""
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CountsDataset(Dataset):
    def __init__(self, matrix):
        self.X = matrix.astype("float32")

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, idx):
        return torch.from_numpy(self.X[idx])


class AutoEncoder(nn.Module):
    def __init__(self, n_genes, n_latent):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(n_genes, 64), nn.ReLU(), nn.Linear(64, n_latent))
        self.decoder = nn.Linear(n_latent, n_genes)

    def forward(self, x):
        return self.decoder(self.encoder(x))


def gene_weights(matrix):
    return torch.from_numpy(1.0 / (1.0 + np.log1p(matrix.mean(axis=0))))


def train(matrix, n_latent=8, n_epochs=1):
    loader = DataLoader(CountsDataset(matrix), batch_size=16, shuffle=True)
    weights = gene_weights(matrix)
    model = AutoEncoder(matrix.shape[1], n_latent)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(n_epochs):
        for x in loader:
            recon = model(x)
            loss = (((recon - x) ** 2) * weights).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
