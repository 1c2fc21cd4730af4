"""Source: https://github.com/pytorch/examples/pull/781
Follow-up to the word_language_model fix: the polynomial regression example's update
`param.add_(-0.1 * param.grad)` raised the same "a leaf Variable that requires grad is being used in an
in-place operation".
Shape: a single nn.Linear stored in a module-level helper's local, trained in a while-loop until the loss is
small; the update loops over fc.parameters() and calls add_ on each parameter outside torch.no_grad().
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch
import torch.nn.functional as F

POLY_DEGREE = 4


def make_features(x):
    x = x.unsqueeze(1)
    return torch.cat([x ** i for i in range(1, POLY_DEGREE + 1)], 1)


def get_batch(w_target, b_target, batch_size=32):
    random = torch.randn(batch_size)
    x = make_features(random)
    y = x.mm(w_target) + b_target.item()
    return x, y


def fit(max_steps=50, tol=1e-3):
    w_target = torch.randn(POLY_DEGREE, 1) * 5
    b_target = torch.randn(1) * 5
    fc = torch.nn.Linear(w_target.size(0), 1)
    for step in range(1, max_steps + 1):
        batch_x, batch_y = get_batch(w_target, b_target)
        fc.zero_grad()
        loss = F.smooth_l1_loss(fc(batch_x), batch_y)
        loss.backward()
        for param in fc.parameters():
            param.add_(-0.01 * param.grad)  # expect: TPF006
        if loss.item() < tol:
            break
    return fc, step
