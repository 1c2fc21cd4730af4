"""Source: https://github.com/pytorch/examples/pull/779
Lookalike (correct code): the same hand-written SGD over model.parameters(), but the in-place update runs inside
`with torch.no_grad():`, and the gradients are cleared with p.grad.zero_() (in-place on .grad, which is fine).
Shape: the loop variable over model.parameters() is updated with add_ in the no-grad block after
clip_grad_norm_; nothing in-place touches a parameter while autograd records.
Verified: runs without error on torch 2.13.0+cpu (_checks/check_tpf006.py)
"""
import torch
import torch.nn as nn


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.GRU(ninp, nhid)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, inp, hidden):
        output, hidden = self.rnn(self.encoder(inp), hidden)
        return self.decoder(output), hidden


def train_epoch(model, data, targets, ntokens, nhid, lr=20.0, clip=0.25, bptt=5):
    criterion = nn.CrossEntropyLoss()
    hidden = torch.zeros(1, data.size(1), nhid)
    for i in range(0, data.size(0) - 1, bptt):
        inp, tgt = data[i:i + bptt], targets[i:i + bptt]
        hidden = hidden.detach()
        output, hidden = model(inp, hidden)
        loss = criterion(output.view(-1, ntokens), tgt.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)
        for p in model.parameters():
            p.grad.zero_()
    return loss.item()
