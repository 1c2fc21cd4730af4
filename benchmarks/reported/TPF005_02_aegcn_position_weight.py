"""Source: https://github.com/Xillv/Code-for-AEGCN-Glove/issues/3
The reporter got "RuntimeError: expected scalar type Double but found Float" at
`hidden = torch.matmul(text, self.weight)` in the graph-convolution layer; the author answered that text and
self.weight must have the same dtype.
Shape: a position-weight helper builds a Python list of numpy float64 values (1 - distance / context_len with
numpy ints), turns it into a float64 tensor and multiplies it elementwise into the float32 LSTM output
(promotion to float64, no error there); the result is passed to the layer whose float32 nn.Parameter meets it
in torch.matmul.
Verified: raises RuntimeError: expected m1 and m2 to have the same dtype, but got: double != float (torch 2.13.0+cpu, _checks/check_tpf005.py); fixed runs
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))
        self.bias = nn.Parameter(torch.zeros(out_features))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, text, adj):
        hidden = torch.matmul(text, self.weight)  # expect: TPF005
        denom = torch.sum(adj, dim=2, keepdim=True) + 1
        return torch.matmul(adj, hidden) / denom + self.bias


class AspectGCN(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.gc1 = GraphConvolution(2 * hidden_dim, 2 * hidden_dim)
        self.fc = nn.Linear(2 * hidden_dim, num_classes)

    def position_weight(self, x, aspect_span, text_len):
        span = aspect_span.cpu().numpy()
        lengths = text_len.cpu().numpy()
        batch_size, seq_len = x.shape[0], x.shape[1]
        weight = [[] for _ in range(batch_size)]
        for i in range(batch_size):
            context_len = lengths[i] - (span[i, 1] - span[i, 0] + 1)
            for j in range(seq_len):
                if j < span[i, 0]:
                    weight[i].append(1 - (span[i, 0] - j) / context_len)
                elif j <= span[i, 1] or j >= lengths[i]:
                    weight[i].append(0)
                else:
                    weight[i].append(1 - (j - span[i, 1]) / context_len)
        weight = torch.tensor(weight).unsqueeze(2)
        return weight * x

    def forward(self, text_indices, aspect_span, adj):
        text_len = torch.sum(text_indices != 0, dim=-1)
        text_out, _ = self.lstm(self.embed(text_indices))
        x = F.relu(self.gc1(self.position_weight(text_out, aspect_span, text_len), adj))
        return self.fc(x.max(dim=1).values)
