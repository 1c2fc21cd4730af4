"""TPF006: an in-place operation on a leaf tensor that requires grad.

`w.add_(1)`, `w += 1` or `w[0] = 0` on a tensor created with `requires_grad=True` (or an `nn.Parameter`)
raises `a leaf Variable that requires grad is being used in an in-place operation`. Silent under
`torch.no_grad()` / `torch.inference_mode()`, for `nn.init.*_`, `x.grad.zero_()`, and after
`.requires_grad_(False)` or `.detach()`.
"""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.interpreter import Interpreter
from ..analysis.values import Value
from .base import Check

_MESSAGE = ("in-place {what} on a leaf tensor that requires grad raises 'a leaf Variable that requires grad is "
            "being used in an in-place operation'; do it under `with torch.no_grad():` or rebind out of place "
            "(`x = x + ...`)")


class InplaceOnRequiresGrad(Check):
    code = "TPF006"
    summary = "in-place operation on a tensor that requires grad"
    # In-place: a call of a name ending in `_`, an augmented assignment, an item assignment. Each
    # alternative starts with a literal (the class is checked behind it), which `re` finds fast.
    triggers = ((r"requires_grad|Parameter", r"_\((?<=[A-Za-z0-9]_\()|=(?<=[-+*/@%&|^]=)|\]\s*=[^=]"),)

    def visit_Call(self, node: cst.Call, at: Interpreter) -> None:
        func = node.func
        qualname = at.value(func).qualname
        if qualname is not None:
            last = qualname.rsplit(".", 1)[-1]
            if (qualname.startswith("torch.") and not qualname.startswith("torch.nn.init.")
                    and _is_inplace_name(last) and node.args):
                self._check(node, at.value(node.args[0].value), f"torch.{last}()", at)
            return
        if isinstance(func, cst.Attribute) and _is_inplace_name(func.attr.value):
            self._check(node, at.value(func.value), f".{func.attr.value}()", at)

    def visit_AugAssign(self, node: cst.AugAssign, at: Interpreter) -> None:
        self._check(node, at.value(node.target), "augmented assignment", at)

    def visit_Assign(self, node: cst.Assign, at: Interpreter) -> None:
        for assign_target in node.targets:
            target = assign_target.target
            if isinstance(target, cst.Subscript):
                self._check(node, at.value(target.value), "item assignment", at)

    def _check(self, node: cst.CSTNode, value: Value, what: str, at: Interpreter) -> None:
        if value.grad_leaf and not at.grad_disabled:
            self.report(node, _MESSAGE.format(what=what))


def _is_inplace_name(name: str) -> bool:
    return name.endswith("_") and not name.startswith("_") and name not in api.NOT_INPLACE
