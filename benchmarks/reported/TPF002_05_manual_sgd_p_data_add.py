"""Source: https://github.com/pytorch/examples/pull/779
What went wrong: in word_language_model's hand-written SGD step `p.add_(-lr, p.grad)` raised
"RuntimeError: a leaf Variable that requires grad is being used in an in-place operation"; the merged fix
switched to `p.data.add_(-lr, p.grad)`, which hides the error by bypassing autograd instead of stating that
the update is outside the graph (`torch.no_grad()`), the form PyTorch's own examples later adopted.
Shape: the training function calls `loss.backward()`, clips gradients, then loops over
`model.parameters()` and updates each parameter in place through `.data` from its `.grad`.
Verified: by reading
"""
import torch
import torch.nn as nn


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def train(model, train_data, ntokens, lr, bptt=35, clip=0.25):
    model.train()
    criterion = nn.NLLLoss()
    hidden = model.init_hidden(train_data.size(1))
    total_loss = 0.0
    for i in range(0, train_data.size(0) - 1, bptt):
        seq_len = min(bptt, len(train_data) - 1 - i)
        data = train_data[i:i + seq_len]
        targets = train_data[i + 1:i + 1 + seq_len].reshape(-1)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output.view(-1, ntokens), targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)  # expect: TPF002
        total_loss += loss.item()
    return total_loss
