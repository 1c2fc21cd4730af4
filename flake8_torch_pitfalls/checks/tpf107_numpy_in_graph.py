"""TPF107: `.numpy()` on a tensor that requires grad."""

from __future__ import annotations

import libcst as cst

from ..analysis.facts import Facts
from .base import Check
from .declaration import Message, Page, Raises

_FIX = "use {receiver}.detach().cpu().numpy() (or .item() for one value)"


class NumpyOfGraphTensor(Check):
    code = "TPF107"
    one_run = True  # it raises on the run that reaches it: a loop's first iteration is enough
    title = "`.numpy()` on a tensor that requires grad"
    summary = "`.numpy()` on a loss or a tensor that requires grad, with grad enabled"
    fix_summary = "`.detach().cpu().numpy()`"
    messages = {
        "requires_grad": Message(".numpy() of {what} raises 'Can't call numpy() on Tensor that requires grad'; "
                                 f"{_FIX}", fix=_FIX),
    }
    expectation = Raises("RuntimeError", (r"Can't call numpy\(\) on Tensor that requires grad",))
    triggers = ((r"\.numpy\(\)",),)
    page = Page(
        pitfall="""\
`.numpy()` shares memory with the tensor, and numpy knows nothing of autograd: torch refuses to
hand out a tensor that is part of a graph (a loss, what is computed from a parameter, a tensor made with
`requires_grad=True`) while grad is enabled. On a CUDA tensor it fails for another reason: numpy arrays
live in host memory.""",
        runtime="""\
`RuntimeError: Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.`
(CUDA: `TypeError: can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor
to host memory first.`)""",
        fix="""\
`t.detach().cpu().numpy()`: detach from the graph, copy to the host (a no-op on CPU), then convert; for one
value, `t.item()`.""",
        flagged="""\
`.numpy()`, outside `torch.no_grad()` / `torch.inference_mode()` / a `@torch.no_grad()` function (and not
in a function the file calls only from no-grad code), on a tensor that requires grad (made with
`requires_grad=True`, an `nn.Parameter`, a parameter of a layer built in the file), or, in code where
autograd is live (a function that backpropagates, a forward, what those call), on a loss (an `nn.*Loss`
module's or a functional loss's result, or what is computed from one, unless its inputs were detached).""",
        silent="""\
After `.detach()` or `.data`, under no-grad code, losses outside training code (a metric helper's loss
may be of tensors that need no grad) and losses of detached inputs, tensors not known to require grad (a
model's output is not followed yet, nor `.cpu()` of a leaf), `.numpy(force=True)`, numpy's own arrays.
The CUDA half of the
pitfall (a tensor on the GPU) needs a device fact the analysis does not have yet.""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "numpy") or node.args:
            return
        receiver = at.value(func.value)
        if not at.requires_grad(receiver):
            return
        autograd = receiver.autograd
        shown = at.code(func.value).removesuffix(".cpu()")  # the fix moves it after `.detach()`
        shown = shown if len(shown) <= 40 and "\n" not in shown else "x"
        self.report(node, "requires_grad", what="a loss" if autograd.loss else "a tensor that requires grad",
                    receiver=shown)
