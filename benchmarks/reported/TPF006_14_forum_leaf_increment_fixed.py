"""Source: https://discuss.pytorch.org/t/leaf-variable-was-used-in-an-inplace-operation/308/2
The forum answer explains that `x += 1` on `x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)` raises
"RuntimeError: a leaf Variable that requires grad is being used in an in-place operation." and that the fix
is either clone() (differentiable) or torch.no_grad() (not differentiable).
Shape: a learnable temperature/offset vector is created with requires_grad=True and returned from a helper in
a dict of parameters; the warm-up step increments it with += read back from the dict, outside no_grad.
Verified: raises RuntimeError: a leaf Variable that requires grad is being used in an in-place operation. (torch 2.13.0+cpu, _checks/check_tpf006.py); fixed runs
"""
import torch


def make_params(n_classes):
    return {
        "offset": torch.tensor([1.0] * n_classes, requires_grad=True),
        "scale": torch.ones(n_classes, requires_grad=True),
    }


def calibrate(logits, labels, warmup=0.5, steps=3, lr=0.1):
    params = make_params(logits.shape[1])
    offset = params["offset"]
    with torch.no_grad():
        offset += warmup
    opt = torch.optim.SGD(params.values(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits * params["scale"] + offset, labels)
        loss.backward()
        opt.step()
    return {k: v.detach() for k, v in params.items()}
