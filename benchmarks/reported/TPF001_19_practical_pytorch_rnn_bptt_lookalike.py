"""Source: https://github.com/spro/practical-pytorch/pull/29
A contributor proposed changing the char-RNN tutorial's `loss += criterion(...)` because adding the loss to itself
"creates a Variable each time" and caused OOMs; the maintainer declined: for RNNs "we *need* the entire graph in
order to backpropagate through time", otherwise only the last step would be trained.
Shape (correct code, must stay silent): inside one training step the per-timestep losses are summed with `+=`
into `loss`, that same `loss` is backpropagated right after the loop, and only `loss.item()` leaves the function.
Verified: by reading (lookalike: no marker)
"""
import torch
import torch.nn as nn


class CharRNN(nn.Module):
    def __init__(self, n_chars, hidden_size=64, n_layers=1):
        super().__init__()
        self.hidden_size, self.n_layers = hidden_size, n_layers
        self.encoder = nn.Embedding(n_chars, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, n_layers)
        self.decoder = nn.Linear(hidden_size, n_chars)

    def forward(self, char_idx, hidden):
        emb = self.encoder(char_idx.view(1, -1))
        out, hidden = self.gru(emb, hidden)
        return self.decoder(out.squeeze(0)), hidden

    def init_hidden(self, batch_size=1):
        return torch.zeros(self.n_layers, batch_size, self.hidden_size)


def train_chunk(decoder, optimizer, criterion, inp, target):
    chunk_len = inp.shape[0]
    hidden = decoder.init_hidden(inp.shape[1])
    decoder.zero_grad()
    loss = 0
    for c in range(chunk_len):
        output, hidden = decoder(inp[c], hidden)
        loss += criterion(output, target[c])
    loss.backward()
    optimizer.step()
    return loss.item() / chunk_len


def train(decoder, chunks, n_epochs=2, lr=0.005):
    optimizer = torch.optim.Adam(decoder.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    loss_avg = 0
    for epoch in range(1, n_epochs + 1):
        for inp, target in chunks:
            loss_avg += train_chunk(decoder, optimizer, criterion, inp, target)
    return loss_avg / (n_epochs * len(chunks))
