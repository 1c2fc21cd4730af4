"""Source: https://github.com/agrimgupta92/sgan/issues/22
The reporter got "view size is not compatible with input tensor's size and stride (at least one
dimension spans across two contiguous subspaces)" in the trajectory encoder when running on CPU.
Shape: the DataLoader collate function permutes each batch (N, 2, T) -> (T, N, 2); the tuple travels
through the training loop and the encoder calls .view(-1, 2) on the permuted tensor.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


def trajectory_collate(samples):
    obs_list = [s[0] for s in samples]
    pred_list = [s[1] for s in samples]
    # each sample: (num_peds, 2, seq_len) -> batch (seq_len, total_peds, 2)
    obs_traj = torch.cat(obs_list, dim=0).permute(2, 0, 1)
    pred_traj = torch.cat(pred_list, dim=0).permute(2, 0, 1)
    return obs_traj, pred_traj


class TrajEncoder(nn.Module):
    def __init__(self, embed_dim=16, hidden=32):
        super().__init__()
        self.spatial_embedding = nn.Linear(2, embed_dim)
        self.rnn = nn.LSTM(embed_dim, hidden)
        self.embed_dim = embed_dim

    def forward(self, obs_traj):
        seq_len, batch = obs_traj.size(0), obs_traj.size(1)
        emb = self.spatial_embedding(obs_traj.contiguous().view(-1, 2))
        emb = emb.view(seq_len, batch, self.embed_dim)
        _, (h, _) = self.rnn(emb)
        return h


def train_epoch(encoder, loader, optimizer):
    for batch in loader:
        obs_traj, pred_traj = batch
        h = encoder(obs_traj)
        loss = h.pow(2).mean() + 0.0 * pred_traj.sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def run():
    samples = [(torch.randn(3, 2, 8), torch.randn(3, 2, 12)) for _ in range(4)]
    loader = [trajectory_collate(samples)]
    enc = TrajEncoder()
    train_epoch(enc, loader, torch.optim.Adam(enc.parameters()))
