"""Source: https://github.com/yusugomori/deeplearning-keras-tf2-torch/pull/1
The reporter got "view size is not compatible with input tensor's size and stride ... Call
.contiguous() before .view()" in compute_loss when training the encoder-decoder on CPU.
Shape: a home-made DataLoader transposes each padded batch to time-major when batch_first=False;
the target batch is unpacked in the training loop and train_step calls t.view(-1) for the loss.
Verified: raises RuntimeError: view size is not compatible with input tensor's size and stride ...; fixed runs
"""
import torch
import torch.nn as nn


class PaddedLoader:
    def __init__(self, sources, targets, batch_size=2, batch_first=False):
        self.sources, self.targets = sources, targets
        self.batch_size, self.batch_first = batch_size, batch_first

    def __iter__(self):
        for i in range(0, len(self.sources), self.batch_size):
            x = torch.tensor(self.sources[i:i + self.batch_size], dtype=torch.long)
            t = torch.tensor(self.targets[i:i + self.batch_size], dtype=torch.long)
            if not self.batch_first:
                x, t = x.t(), t.t()
            yield x, t


class TinySeq2Seq(nn.Module):
    def __init__(self, vocab=12, hidden=8):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, x, t):
        h = self.emb(x).mean(0, keepdim=True)
        return self.out(h).expand(t.size(0), -1, -1)


criterion = nn.CrossEntropyLoss(ignore_index=0)


def train_step(model, optimizer, x, t):
    preds = model(x, t)
    loss = criterion(preds.reshape(-1, preds.size(-1)), t.view(-1))  # expect: TPF003
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def run():
    src = [[1, 2, 3, 4], [5, 6, 7, 0], [3, 3, 2, 0], [4, 5, 0, 0]]
    tgt = [[2, 3, 4, 1, 0], [6, 7, 1, 0, 0], [2, 2, 1, 0, 0], [5, 1, 0, 0, 0]]
    model = TinySeq2Seq()
    opt = torch.optim.Adam(model.parameters())
    for x, t in PaddedLoader(src, tgt):
        train_step(model, opt, x, t)
