"""TPF006: an in-place operation on a leaf tensor that requires grad."""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.values import Value
from .base import Check
from .declaration import Message, Page, Raises

_FIX = "do it under `with torch.no_grad():` or rebind out of place (`x = x + ...`)"


class InplaceOnRequiresGrad(Check):
    code = "TPF006"
    title = "in-place operation on a tensor that requires grad"
    summary = "in-place op on a leaf tensor that requires grad"
    fix_summary = "update under `torch.no_grad()` or out of place"
    messages = {
        "inplace": Message("in-place {what} on a leaf tensor that requires grad raises 'a leaf Variable that requires "
                           f"grad is being used in an in-place operation'; {_FIX}", fix=_FIX),
    }
    expectation = Raises("RuntimeError", (
        r"a leaf Variable that requires grad (is being|has been) used in an in-place operation",
        r"a view of a leaf Variable that requires grad is being used in an in-place operation",
    ))
    # In-place: a call of a name ending in `_`, an augmented assignment, an item assignment. Each
    # alternative starts with a literal (the class is checked behind it), which `re` finds fast.
    triggers = ((r"requires_grad|Parameter", r"_\((?<=[A-Za-z0-9]_\()|=(?<=[-+*/@%&|^]=)|\]\s*=[^=]"),)
    page = Page(
        pitfall="""\
A leaf tensor that requires grad (created with `requires_grad=True`, an
`nn.Parameter`, or after `.requires_grad_()`) cannot be modified in place while autograd is recording.""",
        runtime="""\
`RuntimeError: a leaf Variable that requires grad is being used in an
in-place operation.` (through an index or view: `a view of a leaf Variable that requires grad is being
used in an in-place operation.`).""",
        fix="""\
Do the update under `with torch.no_grad():` (how optimizers do it), or rebind out of place
(`w = w + 1`) when you want autograd to see it.""",
        flagged="""\
`x.add_()`-style methods (trailing underscore), `x += ...` and other augmented assignments,
`x[...] = ...`, `x[i].fill_(...)`, and `torch.<op>_(x)` on such a tensor, outside
`torch.no_grad()` / `torch.inference_mode()` / `torch.set_grad_enabled(False)` / `@torch.no_grad()`.""",
        silent="""\
Under those contexts; `nn.init.*_` (they run under no_grad); `x.grad.zero_()`;
tensors after `.requires_grad_(False)` / `.detach()`; `optimizer.zero_grad()`; non-leaf results
(`y = w * 2; y.add_(1)`); `nn.Parameter(t, requires_grad=False)`.""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        qualname = at.qualname(func)
        if qualname is not None:
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("torch.") and not qualname.startswith("torch.nn.init.") and _is_inplace_name(last):
                updated = at.call_args(node).get(0, "input")
                if updated is not None:
                    self._check(node, updated, f"torch.{last}()", at)
            return
        if isinstance(func, cst.Attribute) and _is_inplace_name(func.attr.value):
            self._check(node, at.value(func.value), f".{func.attr.value}()", at)

    def visit_AugAssign(self, node: cst.AugAssign, at: Facts) -> None:
        self._check(node, at.value(node.target), "augmented assignment", at)

    def visit_Assign(self, node: cst.Assign, at: Facts) -> None:
        for assign_target in node.targets:
            target = assign_target.target
            if isinstance(target, cst.Subscript):
                self._check(node, at.value(target.value), "item assignment", at)

    def _check(self, node: cst.CSTNode, value: Value, what: str, at: Facts) -> None:
        if value.autograd.leaf and not at.grad_disabled:
            self.report(node, "inplace", what=what)


def _is_inplace_name(name: str) -> bool:
    return name.endswith("_") and not name.startswith("_") and name not in api.NOT_INPLACE
