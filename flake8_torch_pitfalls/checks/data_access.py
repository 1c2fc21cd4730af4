"""What a `.data` site is, for the two rules that split its uses by where autograd is live.

TPF002 reports the uses in code where autograd is live, TPF012 (opt-in) the same uses in init, setup and
no-grad code; both say the same fix. This module decides, once for both, whether a `.data` is a tensor's
at all, whether it only describes the tensor, and which message fits the use. Not a rule module: the
registry only loads `tpfNNN_*` modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.syntax import dotted_name
from ..analysis.values import MODEL_OUTPUT, Kind, Value
from .declaration import Message

if TYPE_CHECKING:
    from ..analysis.facts import FunctionFacts
    from .base import Check

_NO_GRAD_FIX = "with torch.no_grad():"
_SWAP_FIX = "torch.utils.swap_tensors"

#: Every text a `.data` finding can have (TPF002 and TPF012 share them).
DATA_MESSAGES: Mapping[str, Message] = {
    "read": Message("`.data` bypasses autograd: changes made through it leave gradients silently wrong; use "
                    "`.detach()`", fix="use `.detach()`"),
    "read_no_grad": Message("`.data` is a legacy read that bypasses autograd; grad is already off here, so drop "
                            "`.data` and use the tensor itself", fix="drop `.data`"),
    "update": Message("update through `.data` is invisible to autograd: a graph that saved the tensor gets "
                      f"silently wrong gradients; update the tensor itself inside `{_NO_GRAD_FIX}` (or `.copy_()` "
                      "there)",
                      fix=f"update the tensor itself inside `{_NO_GRAD_FIX}`"),
    "update_no_grad": Message("update through `.data` skips the version counter autograd checks; grad is already "
                              "off here, so drop `.data` and update the tensor itself",
                              fix="drop `.data` and update the tensor itself"),
    "assign": Message("assigning `.data` swaps the tensor behind autograd's back; if shape, dtype and device stay "
                      f"the same, `x.copy_(value)` inside `{_NO_GRAD_FIX}`, otherwise "
                      f"`{_SWAP_FIX}(x, nn.Parameter(value))`",
                      fix=f"`x.copy_(value)` inside `{_NO_GRAD_FIX}`, otherwise `{_SWAP_FIX}(x, nn.Parameter(value))`"),
    "replace": Message("assigning `.data` a tensor of another {change} swaps it behind autograd's back; use "
                       f"`{_SWAP_FIX}(x, nn.Parameter(value))` or assign a new `nn.Parameter` under "
                       "`torch.no_grad()`",
                       fix=f"use `{_SWAP_FIX}(x, nn.Parameter(value))` or assign a new `nn.Parameter`"),
    "share": Message("assigning another tensor's `.data` makes the two share storage behind autograd's back; to tie "
                     "them, assign the parameter itself (`layer.weight = other.weight`)",
                     fix="assign the parameter itself"),
    "init_argument": Message("`nn.init` functions already run under `torch.no_grad()`: pass the tensor itself, not "
                             "its `.data`", fix="pass the tensor itself"),
    "legacy_index": Message("`loss.data[0]` raises 'invalid index of a 0-dim tensor' since PyTorch 0.4; use "
                            "`loss.item()`", fix="use `loss.item()`"),
}

#: Methods that may give their receiver another dtype or device (whether they do is rarely known).
_RETYPING = frozenset({"to", "type", "cuda", "cpu", *api.DTYPE_METHODS})
#: Methods whose result has another shape than their receiver (in general).
_RESHAPING = api.TRANSPOSING_METHODS | frozenset({
    "reshape", "view", "flatten", "squeeze", "unsqueeze", "expand", "repeat", "narrow", "unflatten",
    "repeat_interleave", "chunk", "split"})
_RESHAPING_CALLS = frozenset({"torch.cat", "torch.concat", "torch.stack", "torch.nn.functional.pad"})


def report_data_use(check: Check, node: cst.Attribute, at: Facts, hazard: bool) -> None:
    """Report a `.data` use that is (TPF002: hazard=True) or is not (TPF012: hazard=False) a hazard:
    an update through `.data` of a tensor a pending graph may have saved, a read of one bound to a name
    the function later changes in place (the notes' `c = out.data; c.zero_()`), or `loss.data[0]`."""
    if node.attr.value != "data":
        return
    use = data_use(node, at)
    if use is None:
        return
    message, fields = use
    alias = _alias(at)
    if message == "read" and alias is not None and _live(node, at) and at.graph_pending(node.value):
        def decide(frame: FunctionFacts) -> None:
            if (alias in frame.inplace_names) is hazard:
                check.report(node, message, **fields)

        at.defer(decide)
        return
    if _is_hazard(node, message, at) is hazard:
        check.report(node, message, **fields)


def _live(node: cst.Attribute, at: Facts) -> bool:
    return at.autograd_live and not _is_gradient(node.value)


def _is_hazard(node: cst.Attribute, message: str, at: Facts) -> bool:
    if message == "legacy_index":
        return True  # it raises wherever it runs
    if not _live(node, at):
        return False
    return message in ("update", "assign", "replace", "share") and at.graph_pending(node.value)


def _alias(at: Facts) -> str | None:
    """`c` in `c = out.data`: the name a bare `.data` read is bound to."""
    statement = at.statement
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(
            statement.targets[0].target, cst.Name) and isinstance(statement.value, cst.Attribute) \
            and statement.value.attr.value == "data":
        return statement.targets[0].target.value
    return None


def _is_gradient(node: cst.BaseExpression) -> bool:
    """`p.grad.data`: a gradient carries no autograd history (but with `create_graph`), so a change
    through its `.data` cannot go wrong silently; the legacy spelling is TPF012's to retire."""
    return isinstance(node, cst.Attribute) and node.attr.value == "grad"


def data_use(node: cst.Attribute, at: Facts) -> tuple[str, dict[str, str]] | None:
    """The message (and its fields) for a `.data` of a tensor that autograd could miss; None when the
    `.data` is not a tensor's, only describes it, or changes nothing autograd tracks."""
    if node.attr.value != "data":
        return None
    receiver = at.value(node.value)
    if _legacy_scalar_index(node, receiver, at):
        return "legacy_index", {}
    method = _method_called_on(node, at)
    evidence = receiver.kind is Kind.TENSOR or receiver == MODEL_OUTPUT or (
        receiver.kind is Kind.UNKNOWN and method is not None and method in api.TENSOR_ONLY_METHODS)
    if not evidence or _only_described(node, at) or _has_no_autograd_history(node, receiver, at):
        return None
    grad_off = at.grad_disabled
    if _initialised(node, at):
        return "init_argument", {}
    if _is_update(node, at) or (method is not None and method.endswith("_") and method not in api.NOT_INPLACE):
        return ("update_no_grad" if grad_off else "update"), {}
    if at.is_store(node):
        return _assignment(node, receiver, at)
    if _assigned_to_data(at):
        return None  # `w.data = w.data.t()`: the assignment's finding covers the line
    if _leaves_autograd(node, at):
        return None  # `out.data.cpu().numpy()`, `out.data.max(1)[1]`: nothing differentiable is kept
    return ("read_no_grad" if grad_off else "read"), {}


def _assignment(node: cst.Attribute, receiver: Value, at: Facts) -> tuple[str, dict[str, str]] | None:
    """`x.data = value`: silent when it retypes the same tensor (`p.data = p.data.to(dtype)`); else the
    swap advice when the value is known to change shape or dtype, or else the conditional advice."""
    statement = at.parent(node)
    value = statement.value if isinstance(statement, (cst.Assign, cst.AnnAssign)) else None
    if value is None:
        return "assign", {}
    owner = at.code(node.value)
    if isinstance(value, cst.Attribute) and value.attr.value == "data" and at.code(value.value) != owner:
        return "share", {}  # `lin.weight.data = emb.weight.data`: tying by shared storage
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
        method, source = value.func.attr.value, at.code(value.func.value)
        if method in _RETYPING and source in (owner, f"{owner}.data"):
            return None  # the same tensor retyped: the Parameter object stays, nothing is swapped
        if method in _RESHAPING:
            return "replace", {"change": "shape"}
    if isinstance(value, cst.Call) and at.qualname(value.func) in _RESHAPING_CALLS:
        return "replace", {"change": "shape"}
    if isinstance(value, cst.Attribute) and value.attr.value in api.TRANSPOSING_ATTRS:
        return "replace", {"change": "shape"}
    if isinstance(value, cst.Subscript) and any(isinstance(e.slice, cst.Slice) for e in value.slice):
        return "replace", {"change": "shape"}
    assigned = at.value(value)
    if assigned.kind is Kind.TENSOR and assigned.dtype and receiver.dtype and assigned.dtype != receiver.dtype:
        return "replace", {"change": "dtype"}
    return "assign", {}


#: Methods a read passes through on its way out of autograd (`.data.cpu().numpy()`).
_PASSING = frozenset({"cpu", "cuda", "to", "float", "double", "half", "long", "int", "squeeze", "flatten", "view",
                      "reshape", "contiguous", "detach", "clone", "abs"})
#: Methods whose result is no longer a differentiable tensor: host values, indices, booleans.
_LEAVING = frozenset({"numpy", "tolist", "item", "argmax", "argmin", "eq", "ne", "gt", "lt", "ge", "le", "nonzero",
                      "any", "all", "isnan", "isinf", "isfinite"})
_WITH_INDICES = frozenset({"max", "min", "topk", "sort", "kthvalue", "mode", "median"})


def _leaves_autograd(node: cst.Attribute, at: Facts) -> bool:
    """A read that ends in a host value, an index or a comparison: no gradient can depend on it and no
    in-place change can reach the tensor through it."""
    current: cst.Attribute | cst.Call = node
    while True:
        parent = at.parent(current)
        if isinstance(parent, cst.Comparison):
            return True
        if not (isinstance(parent, cst.Attribute) and parent.value is current):
            return False
        call = at.parent(parent)
        if not (isinstance(call, cst.Call) and call.func is parent):
            return False
        method = parent.attr.value
        if method in _LEAVING:
            return True
        if method in _WITH_INDICES:
            return _indexed_by(call, "1", at)
        if method not in _PASSING:
            return False
        current = call


def _assigned_to_data(at: Facts) -> bool:
    statement = at.statement
    return isinstance(statement, cst.Assign) and any(
        isinstance(t.target, cst.Attribute) and t.target.attr.value == "data" for t in statement.targets)


#: Methods between `.data` and the `[0]` of the legacy scalar read (`loss.data.cpu()[0]`).
_HOST_COPIES = frozenset({"cpu", "cuda", "numpy"})


def _legacy_scalar_index(node: cst.Attribute, receiver: Value, at: Facts) -> bool:
    """`loss.data[0]` (also `loss.data.cpu()[0]`): the PyTorch 0.3 way to read a scalar, on a loss (a
    value that carries one, or one named for it: `loss_fn(...)` passed in, `state["loss"]`)."""
    current: cst.Attribute | cst.Call = node
    while True:
        parent = at.parent(current)
        if not (isinstance(parent, cst.Attribute) and parent.value is current and parent.attr.value in _HOST_COPIES):
            break
        call = at.parent(parent)
        if not (isinstance(call, cst.Call) and call.func is parent and not call.args):
            return False
        current = call
    if not _indexed_by(current, "0", at):
        return False
    if receiver.autograd.loss:
        return True
    if receiver.kind not in (Kind.TENSOR, Kind.UNKNOWN) or receiver.layout.dims:
        return False
    owner = node.value
    if isinstance(owner, cst.Subscript) and len(owner.slice) == 1 and isinstance(owner.slice[0].slice, cst.Index):
        key = owner.slice[0].slice.value
        return isinstance(key, cst.SimpleString) and bool(api.LOSS_NAME.search(key.value))
    name = dotted_name(owner)
    return name is not None and bool(api.LOSS_NAME.search(name.rsplit(".", 1)[-1]))


def _indexed_by(node: cst.Attribute | cst.Call, literal: str, at: Facts) -> bool:
    """`<node>[0]` for literal "0"."""
    parent = at.parent(node)
    if not (isinstance(parent, cst.Subscript) and parent.value is node and len(parent.slice) == 1):
        return False
    index = parent.slice[0].slice
    return isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == literal


def _method_called_on(node: cst.Attribute, at: Facts) -> str | None:
    """`m` when the expression is `<node>.m(...)`."""
    parent = at.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node and isinstance(at.parent(parent), cst.Call):
        return parent.attr.value
    return None


def _is_update(node: cst.Attribute, at: Facts) -> bool:
    """`x.data -= v`, `x.data[i] = v`, `x.data[:n].normal_()`: the tensor's own values change in place."""
    parent = at.parent(node)
    if isinstance(parent, cst.AugAssign):
        return parent.target is node
    if not (isinstance(parent, cst.Subscript) and parent.value is node):
        return False
    if at.is_store(parent):
        return True
    method = at.parent(parent)
    return isinstance(method, cst.Attribute) and method.value is parent and method.attr.value.endswith("_") \
        and method.attr.value not in api.NOT_INPLACE and isinstance(at.parent(method), cst.Call)


def _initialised(node: cst.Attribute, at: Facts) -> bool:
    """`nn.init.xavier_normal_(w.data)`, `torch.nn.init.constant_(b.data, 0)`: an in-place init."""
    call = at.parent(node)
    if not (isinstance(call, cst.Call) and call.args and call.args[0].value is node):
        return False
    return (at.qualname(call.func) or "").startswith("torch.nn.init.")


def _has_no_autograd_history(node: cst.Attribute, receiver: Value, at: Facts) -> bool:
    """Nothing for autograd to miss: an index or mask tensor (`x.argmax(1).data`), a tensor just
    detached, one computed under no_grad (`preds.cpu().data`), or a bitsandbytes parameter's packed storage."""
    if receiver.dtype in api.NON_DIFFERENTIABLE_DTYPES or receiver.autograd.detached or _quantized_storage(node, at):
        return True
    computed = not isinstance(node.value, (cst.Name, cst.Attribute, cst.Subscript))
    return at.grad_disabled and computed and not receiver.autograd.leaf


def _quantized_storage(node: cst.Attribute, at: Facts) -> bool:
    """`dequantize_4bit(w.data, w.quant_state)`: a bitsandbytes parameter's packed uint8 storage."""
    call = at.parent(node)
    owner = at.code(node.value)
    return isinstance(call, cst.Call) and any(
        isinstance(arg.value, cst.Attribute) and arg.value.attr.value == "quant_state"
        and at.code(arg.value.value) == owner for arg in call.args)


def _only_described(node: cst.Attribute, at: Facts) -> bool:
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
    callee = at.qualname(parent.func)
    if callee in ("builtins.isinstance", "builtins.type") or callee in api.METADATA_FACTORIES:
        return True
    func = parent.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
    return name.startswith("assert")
