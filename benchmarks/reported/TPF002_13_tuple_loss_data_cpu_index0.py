"""Source: https://github.com/uwnlp/open_type/issues/4
What went wrong: `python main.py onto ...` crashed in `_train` at `total_loss += loss.data.cpu()[0]`
with "IndexError: invalid index of a 0-dim tensor. Use tensor.item() to convert a 0-dim tensor to a Python
number"; the commenter's fix was `loss.data.cpu().item()`.
Shape: the entity-typing model's forward returns a `(loss, logits)` tuple that the training function
unpacks; the loss is backpropagated and then accumulated through `.data.cpu()[0]`.
Verified: ran _checks/check_13.py: bug raises IndexError: invalid index of a 0-dim tensor; fixed runs
"""
import torch
import torch.nn as nn


class TypingModel(nn.Module):
    def __init__(self, vocab, dim, n_types):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.lstm = nn.LSTM(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, n_types)
        self.loss_func = nn.BCEWithLogitsLoss()

    def forward(self, feed_dict):
        h, _ = self.lstm(self.embed(feed_dict["token_ids"]))
        logits = self.out(h[:, -1])
        return self.loss_func(logits, feed_dict["y"]), logits


def _train(model, batches, optimizer, log_period=100):
    total_loss = 0.0
    for step, feed_dict in enumerate(batches, 1):
        optimizer.zero_grad()
        loss, output_logits = model(feed_dict)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        optimizer.step()
        total_loss += loss.data.cpu()[0]  # expect: TPF002
        if step % log_period == 0:
            print("step {} avg loss {:.4f}".format(step, total_loss / log_period))
            total_loss = 0.0
    return total_loss
