"""Source: https://github.com/theislab/scarches/issues/195
The reporter trained an scPoli model on their AnnData and got "RuntimeError: expected scalar type Float but
found Double" from F.linear in the first encoder layer; the maintainer's fix was adata.X = adata.X.astype('float32').
Shape: the expression matrix is read from an .h5ad file (float64), stored on a Dataset, returned row by row
with torch.from_numpy in __getitem__, collated by a DataLoader and fed to the float32 encoder in the training
loop.
Verified: raises RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float (torch 2.13.0+cpu, _checks/check_tpf005.py) (anndata not installed: stubbed in the check, which passes the numpy data it would return); fixed runs
"""
import anndata
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CountsDataset(Dataset):
    def __init__(self, matrix, labels):
        self.X = matrix
        self.labels = labels

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, idx):
        return torch.from_numpy(self.X[idx]), int(self.labels[idx])


class Encoder(nn.Module):
    def __init__(self, n_genes, n_latent):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_genes, 128), nn.ReLU(), nn.Linear(128, n_latent))
        self.decoder = nn.Linear(n_latent, n_genes)

    def forward(self, x):
        z = self.net(x)
        return self.decoder(z), z


def load_matrix(path):
    adata = anndata.read_h5ad(path)
    return np.asarray(adata.X), np.asarray(adata.obs["cell_type"].cat.codes)


def train(matrix, labels, n_latent=10, n_epochs=1):
    loader = DataLoader(CountsDataset(matrix, labels), batch_size=32, shuffle=True)
    model = Encoder(matrix.shape[1], n_latent)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(n_epochs):
        for x, _ in loader:
            recon, _ = model(x)  # expect: TPF005
            loss = ((recon - x) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model
