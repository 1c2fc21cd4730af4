"""TPF002: `.data` where `.detach()` (or `torch.no_grad()`) is meant.

Changes made through `.data` are invisible to autograd, so gradients come out wrong without any error;
`.detach()` shares storage too but autograd raises when the change matters. Flagged on values known to be
tensors (factories, parameters, `m.weight`, `x.grad`, module outputs, `torch.Tensor` annotations) or when
`.data` is followed by a tensor-only method. Silent on `self.data`, numpy arrays, datasets, responses,
and where the value is only described (its shape, dtype, a `*_like` factory, a test assertion).
"""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.interpreter import Interpreter
from ..analysis.values import TENSOR, UNKNOWN, Value
from .base import Check

_READ = "`.data` bypasses autograd and silently corrupts gradients; use `.detach()`"
_UPDATE = ("update through `.data` is invisible to autograd and silently corrupts gradients; update the "
           "tensor itself inside `with torch.no_grad():` (or `.copy_()` there)")


class DataInsteadOfDetach(Check):
    code = "TPF002"
    summary = "`.data` used where `.detach()` (or `torch.no_grad()`) is meant"
    triggers = ((r"\.data\b",),)

    def visit_Attribute(self, node: cst.Attribute, at: Interpreter) -> None:
        if node.attr.value != "data":
            return
        receiver = at.value(node.value)
        method = _method_called_on(node, at)
        evidence = receiver.kind == TENSOR or (
            receiver.kind == UNKNOWN and method is not None and method in api.TENSOR_ONLY_METHODS)
        if not evidence or _only_described(node, at) or _has_no_autograd_history(node, receiver, at):
            return
        updated = _is_update(node, at) or (method is not None and method.endswith("_"))
        self.report(node, _UPDATE if updated else _READ)


def _method_called_on(node: cst.Attribute, at: Interpreter) -> str | None:
    """`m` when the expression is `<node>.m(...)`."""
    parent = at.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node and isinstance(at.parent(parent), cst.Call):
        return parent.attr.value
    return None


def _is_update(node: cst.Attribute, at: Interpreter) -> bool:
    if at.is_store(node):
        return True
    parent = at.parent(node)
    return isinstance(parent, cst.Subscript) and parent.value is node and at.is_store(parent)


def _has_no_autograd_history(node: cst.Attribute, receiver: Value, at: Interpreter) -> bool:
    """Nothing for autograd to miss: an index or mask tensor (`x.argmax(1).data`), a tensor just
    detached, or one computed under no_grad (`preds.cpu().data`). A parameter or leaf that requires
    grad stays flagged even under no_grad: `.data` writes there skip its version counter."""
    if receiver.dtype in api.NON_DIFFERENTIABLE_DTYPES or receiver.detached or _quantized_storage(node, at):
        return True
    computed = not isinstance(node.value, (cst.Name, cst.Attribute, cst.Subscript))
    return at.grad_disabled and computed and not receiver.grad_leaf


def _quantized_storage(node: cst.Attribute, at: Interpreter) -> bool:
    """`dequantize_4bit(w.data, w.quant_state)`: a bitsandbytes parameter's packed uint8 storage."""
    call = at.parent(node)
    owner = at.code(node.value)
    return isinstance(call, cst.Call) and any(
        isinstance(arg.value, cst.Attribute) and arg.value.attr.value == "quant_state"
        and at.code(arg.value.value) == owner for arg in call.args)


def _only_described(node: cst.Attribute, at: Interpreter) -> bool:
    """The value is only looked at, never used as a tensor, so no gradient can be affected:
    `p.data.shape`, `p.data.size(0)`, `isinstance(p.data, DTensor)`, `torch.zeros_like(p.data)`,
    or part of a test assertion (`self.assertEqual(p.data, expected)`, `assert (p.data == q).all()`)."""
    if at.asserting:
        return True
    parent = at.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node:
        call = at.parent(parent)
        if isinstance(call, cst.Call) and call.func is parent:
            return parent.attr.value in api.METADATA_METHODS
        return parent.attr.value not in api.TENSOR_ATTRIBUTES
    if not isinstance(parent, cst.Call) or not any(arg.value is node for arg in parent.args):
        return False
    callee = at.value(parent.func).qualname
    if callee in ("builtins.isinstance", "builtins.type") or callee in api.METADATA_FACTORIES:
        return True
    func = parent.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name.startswith("assert")
