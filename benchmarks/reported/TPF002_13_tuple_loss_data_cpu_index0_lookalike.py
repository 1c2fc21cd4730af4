"""Source: https://github.com/uwnlp/open_type/issues/4 (same project: its length-sorted LSTM mention encoder)
Lookalike (must stay silent for TPF002): the encoder sorts the batch by length, packs it with
`pack_padded_sequence`, and applies a per-token projection to `packed_out.data`, the flat tensor of a
`PackedSequence`, before re-wrapping it. `PackedSequence.data` is a differentiable field of a namedtuple
(gradients flow through it), not the `Tensor.data` escape hatch, even though it sits in a `forward`.
Shape: `nn.LSTM` called on a PackedSequence returns a PackedSequence; its `.data` is projected and put
back with `packed_out._replace(data=...)`, then padded again.
Verified: by reading
"""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class MentionEncoder(nn.Module):
    def __init__(self, vocab, dim, hidden):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, hidden, batch_first=True)
        self.token_proj = nn.Linear(hidden, hidden)

    def forward(self, token_ids, lengths):
        sorted_len, perm = lengths.sort(0, descending=True)
        _, restore = perm.sort(0)
        emb = self.embed(token_ids.index_select(0, perm))
        packed = pack_padded_sequence(emb, sorted_len.cpu(), batch_first=True)
        packed_out, _ = self.lstm(packed)
        projected = torch.tanh(self.token_proj(packed_out.data))
        packed_out = packed_out._replace(data=projected)
        padded, _ = pad_packed_sequence(packed_out, batch_first=True)
        return padded.index_select(0, restore)


def train_step(encoder, head, optimizer, token_ids, lengths, y):
    optimizer.zero_grad()
    reps = encoder(token_ids, lengths).max(dim=1).values
    loss = nn.functional.binary_cross_entropy_with_logits(head(reps), y)
    loss.backward()
    optimizer.step()
    return loss.item()
