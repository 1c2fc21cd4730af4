"""Source: https://github.com/BaiTheBest/SparseLLM/issues/13
The reporter got "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation" at
`s_batch -= s_learning_rate * s_batch.grad` in the auxiliary-variable update.
Shape: each column chunk of a half-precision buffer is sliced, detached, cast and re-enabled with
.requires_grad_(True); after backward the code does a manual gradient step with `-=` on that leaf, then
zeroes its grad and writes a detached copy back into the buffer.
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch


def update_slack(s, weight, target, chunk_size=4, steps=3, s_learning_rate=0.01):
    n_cols = s.shape[1]
    for start in range(0, n_cols, chunk_size):
        chunk = slice(start, min(start + chunk_size, n_cols))
        s_batch = s[:, chunk].detach().float().requires_grad_(True)
        for _ in range(steps):
            loss_s = ((weight @ s_batch - target[:, chunk]) ** 2).sum()
            loss_s.backward()
            with torch.no_grad():
                s_batch -= s_learning_rate * s_batch.grad
            s_batch.grad.zero_()
        s[:, chunk] = s_batch.detach().to(dtype=torch.float16)
    return s


def run(rows=6, hidden=5, cols=10):
    s = torch.randn(hidden, cols).half()
    weight = torch.randn(rows, hidden)
    target = torch.randn(rows, cols)
    return update_slack(s, weight, target)
