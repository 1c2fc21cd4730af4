"""Source: https://github.com/higgsfield/np-hard-deep-reinforcement-learning/issues/5
What went wrong: the notebook's training cell stopped at `train_loss.append(loss.data[0])` with
"IndexError: invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++
to convert a 0-dim tensor to a number" (maintainers' answer: change it to `loss.item()`).
Shape: notebook-style module-level loop: the pointer network returns `(loss, probs)` for a batch of
sorting sequences, Adam steps after clipping, the loss goes into a list through `.data[0]`, and every
10 batches a validation accuracy is computed under `torch.no_grad()`.
Verified: ran both files directly with the venv python: bug raises IndexError: invalid index of a
0-dim tensor; fixed runs
"""
import torch
import torch.nn as nn


class PointerNet(nn.Module):
    def __init__(self, seq_len, hidden=32):
        super().__init__()
        self.encoder = nn.Linear(1, hidden)
        self.attn = nn.Linear(hidden, seq_len)

    def forward(self, inputs, target):
        enc = torch.tanh(self.encoder(inputs.unsqueeze(-1)))
        logits = self.attn(enc)
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1))
        return loss, logits.softmax(-1)


SEQ_LEN = 10
pointer = PointerNet(SEQ_LEN)
adam = torch.optim.Adam(pointer.parameters(), lr=1e-3)
train_loss, val_acc = [], []
val_x = torch.rand(32, SEQ_LEN)
val_y = val_x.argsort(dim=1)
for epoch in range(2):
    for batch_id in range(20):
        x = torch.rand(32, SEQ_LEN)
        y = x.argsort(dim=1)
        loss, _ = pointer(x, y)
        adam.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(pointer.parameters(), 2.0)
        adam.step()
        train_loss.append(loss.item())
        if batch_id % 10 == 0:
            with torch.no_grad():
                _, probs = pointer(val_x, val_y)
            val_acc.append((probs.argmax(-1) == val_y).float().mean().item())
print("train loss %.4f val acc %.3f" % (train_loss[-1], val_acc[-1]))
