"""Source: https://github.com/pytorch/examples/pull/779
In the word_language_model example, `p.add_(-lr, p.grad)` threw "RuntimeError: a leaf Variable that requires
grad is being used in an in-place operation" (the merged PR switched to p.data.add_).
Shape: a hand-written SGD step loops over model.parameters() after clip_grad_norm_ inside the epoch's batch
loop and updates each parameter in place, outside torch.no_grad().
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn as nn


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers=1):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, inp, hidden):
        output, hidden = self.rnn(self.encoder(inp), hidden)
        return self.decoder(output), hidden

    def init_hidden(self, bsz, nhid, nlayers=1):
        return (torch.zeros(nlayers, bsz, nhid), torch.zeros(nlayers, bsz, nhid))


def repackage_hidden(h):
    return tuple(v.detach() for v in h)


def train_epoch(model, data, targets, ntokens, nhid, lr=20.0, clip=0.25, bptt=5):
    criterion = nn.CrossEntropyLoss()
    model.train()
    hidden = model.init_hidden(data.size(1), nhid)
    for i in range(0, data.size(0) - 1, bptt):
        inp, tgt = data[i:i + bptt], targets[i:i + bptt]
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(inp, hidden)
        loss = criterion(output.view(-1, ntokens), tgt.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.add_(p.grad, alpha=-lr)  # expect: TPF006
    return loss.item()
