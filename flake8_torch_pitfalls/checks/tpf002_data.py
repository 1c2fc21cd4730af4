"""TPF002: `.data` where `.detach()` (or `torch.no_grad()`) is meant."""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.values import Kind, Value
from .base import Check
from .declaration import Message, Page, Raises, WrongGradient


class DataInsteadOfDetach(Check):
    code = "TPF002"
    title = "`.data` used where `.detach()` (or `torch.no_grad()`) is meant"
    summary = "`.data` where `.detach()` is meant (gradients silently wrong)"
    fix_summary = "`.detach()`; updates under `torch.no_grad()`"
    messages = {
        "read": Message("`.data` bypasses autograd and silently corrupts gradients; use `.detach()`",
                        fix="use `.detach()`"),
        "update": Message("update through `.data` is invisible to autograd and silently corrupts gradients; update "
                          "the tensor itself inside `with torch.no_grad():` (or `.copy_()` there)",
                          fix="update the tensor itself inside `with torch.no_grad():`"),
    }
    expectation = WrongGradient(detach_raises=Raises("RuntimeError", (
        r"one of the variables needed for gradient computation has been modified by an inplace operation",
    )))
    triggers = ((r"\.data\b",),)
    page = Page(
        pitfall="""\
`x.data` gives the tensor's storage without autograd tracking *and* without the
version counter. Changes made through it are invisible to autograd, so gradients come out wrong with no
error. `x.detach()` shares the storage too, but autograd notices in-place changes and raises.""",
        runtime="""\
Nothing — that is the danger. In the reproducer, zeroing
`sigmoid(a)` through `.data` makes `a.grad` all zeros instead of `sigmoid'(a)`; the same change through
`.detach()` raises `one of the variables needed for gradient computation has been modified by an
inplace operation`.""",
        fix="""\
- reads: `x.detach()` instead of `x.data`;
- in-place updates / assignments (`p.data.add_(...)`, `p.data = t`, `p.data -= lr * p.grad`): do the
  update on the tensor itself inside `with torch.no_grad():` (or `p.copy_(t)` there).""",
        flagged="""\
`.data` read or assigned on a value that is a tensor: a torch factory result, a parameter
(`p` from `.parameters()` / `.named_parameters()`, `m.weight`, `m.bias`, `x.grad`), a module call result,
a name annotated `torch.Tensor`, or `.data` followed by a tensor-only method (`.data.cpu()`,
`.data.zero_()`, `.data.max(1)`).""",
        silent="""\
`.data` of things that are not tensors: `self.data` in a `Dataset`,
`numpy_array.data` (a memoryview), `response.data`, graph/batch objects,
`torchvision.datasets.X(...).data`, and any receiver the analysis cannot show to be a tensor.
Also silent where autograd has nothing to miss: index and mask tensors (`x.argmax(1).data`, integer and
bool dtypes can never require grad), a tensor just detached (`(0.1 * x.detach()).data`), a tensor
computed under `torch.no_grad()` (`preds.cpu().data.numpy()` there), a bitsandbytes parameter's packed
storage read with its `quant_state`, and test assertions (`assert (p.data == q).all()`,
`self.assertEqual(p.data, ...)`). A parameter stays flagged under `no_grad` too: a write through
`.data` skips its version counter, so autograd cannot detect it.""",
        notes=(("Known false alarms", """\
(measured in [`benchmarks/REAL_WORLD.md`](../benchmarks/REAL_WORLD.md)): a
tensor that never requires grad but whose origin the source does not show, such as a fixed 0/1 mask
passed in as a `torch.Tensor` argument or dropout applied to `torch.ones(...)`. The spec flags factory
and module results on purpose (`.detach()` is the spelling that stays safe if the tensor later gains a
graph); the message is harmless advice there."""),),
    )

    def visit_Attribute(self, node: cst.Attribute, at: Facts) -> None:
        if node.attr.value != "data":
            return
        receiver = at.value(node.value)
        method = _method_called_on(node, at)
        evidence = receiver.kind is Kind.TENSOR or (
            receiver.kind is Kind.UNKNOWN and method is not None and method in api.TENSOR_ONLY_METHODS)
        if not evidence or _only_described(node, at) or _has_no_autograd_history(node, receiver, at):
            return
        updated = _is_update(node, at) or (method is not None and method.endswith("_"))
        self.report(node, "update" if updated else "read")


def _method_called_on(node: cst.Attribute, at: Facts) -> str | None:
    """`m` when the expression is `<node>.m(...)`."""
    parent = at.parent(node)
    if isinstance(parent, cst.Attribute) and parent.value is node and isinstance(at.parent(parent), cst.Call):
        return parent.attr.value
    return None


def _is_update(node: cst.Attribute, at: Facts) -> bool:
    if at.is_store(node):
        return True
    parent = at.parent(node)
    return isinstance(parent, cst.Subscript) and parent.value is node and at.is_store(parent)


def _has_no_autograd_history(node: cst.Attribute, receiver: Value, at: Facts) -> bool:
    """Nothing for autograd to miss: an index or mask tensor (`x.argmax(1).data`), a tensor just
    detached, or one computed under no_grad (`preds.cpu().data`). A parameter or leaf that requires
    grad stays flagged even under no_grad: `.data` writes there skip its version counter."""
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
