"""TPF006: an in-place operation on a leaf tensor that requires grad."""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.syntax import names_in
from ..analysis.values import Value
from .base import Check
from .declaration import Message, Page, Raises

_FIX = "do it under `with torch.no_grad():` or rebind out of place (`x = x + ...`)"


_INPLACE = r"_\((?<=[A-Za-z0-9]_\()|=(?<=[-+*/@%&|^]=)|\]\s*=[^=]"


class InplaceOnRequiresGrad(Check):
    code = "TPF006"
    one_run = True  # it raises on the run that reaches it: a loop's first iteration is enough
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
    #: A leaf made here (`requires_grad`, `Parameter`) changed in place; a layer's weight or bias changed in
    #: place on its line; a hand-written step on a line that reads a gradient (`p -= lr * p.grad`).
    triggers = ((r"requires_grad|Parameter", _INPLACE),
                (r"\.(?:weight|bias)(?:\[[^\]\n]*\]\s*[-+*/]?=(?!=)|\.[a-z]\w*_\(|\s*[-+*/]=)",),
                (r"(?:[-+*/]=|_\()[^\n]*\.grad\b",))
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
`torch.no_grad()` / `torch.inference_mode()` / `torch.set_grad_enabled(False)` / `@torch.no_grad()`.
Such tensors are made with `requires_grad=True` or `.requires_grad_()`, or are parameters: the weight and
bias of a layer built in the file (`nn.Linear(...)`, `self.fc = nn.Conv2d(...)` read as `self.fc.weight`),
and the loop variable over `model.parameters()` / `named_parameters()` (a hand-written SGD step outside
no_grad: `p -= lr * p.grad`). A function of the file that returns such a tensor passes the fact on.""",
        silent="""\
Under those contexts; `nn.init.*_` (they run under no_grad); `x.grad.zero_()`;
tensors after `.requires_grad_(False)` / `.detach()`; `optimizer.zero_grad()`; non-leaf results
(`y = w * 2; y.add_(1)`); `nn.Parameter(t, requires_grad=False)`; parameters of a module frozen with
`.requires_grad_(False)`; a function that the file calls from inside a no-grad block or a no-grad
function (its caller turned grad off).""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        qualname = at.qualname(func)
        if qualname is not None:
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("torch.") and not qualname.startswith("torch.nn.init.") and _is_inplace_name(last):
                updated = at.call_args(node).get(0, "input")
                if updated is not None:
                    self._check(node, updated, f"torch.{last}()", at, [a.value for a in node.args[1:]])
            return
        if isinstance(func, cst.Attribute) and _is_inplace_name(func.attr.value):
            self._check(node, at.value(func.value), f".{func.attr.value}()", at, [a.value for a in node.args])

    def visit_AugAssign(self, node: cst.AugAssign, at: Facts) -> None:
        self._check(node, at.value(node.target), "augmented assignment", at, [node.value])

    def visit_Assign(self, node: cst.Assign, at: Facts) -> None:
        for assign_target in node.targets:
            target = assign_target.target
            if isinstance(target, cst.Subscript):
                self._check(node, at.value(target.value), "item assignment", at, [node.value])

    def _check(self, node: cst.CSTNode, value: Value, what: str, at: Facts,
               operands: list[cst.BaseExpression]) -> None:
        autograd = value.autograd
        if not (autograd.leaf or autograd.param) or at.grad_disabled:
            return  # the value facts first: what the callers' grad context is costs a read of the whole file
        # A hand-written step (`p -= lr * p.grad`) updates a parameter that requires grad, whatever module
        # it belongs to; a module's parameter changed otherwise raises only where grad is on, which the
        # file shows only for code it runs itself (a library's converter is called elsewhere, in no_grad).
        step = autograd.param and any(_reads_grad(operand) for operand in operands)
        if (step or (autograd.leaf and (not autograd.param or at.called_in_file))) and not at.grad_disabled_by_caller:
            self.report(node, "inplace", what=what)


def _is_inplace_name(name: str) -> bool:
    return name.endswith("_") and not name.startswith("_") and name not in api.NOT_INPLACE


def _reads_grad(node: cst.BaseExpression) -> bool:
    """Whether an operand reads some tensor's `.grad` (the update is a gradient step)."""
    return any(name == "grad" or name.endswith(".grad") for name in names_in(node))
