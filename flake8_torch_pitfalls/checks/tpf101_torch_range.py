"""TPF101: `torch.range(...)`, deprecated, with an inclusive end and a float result."""

from __future__ import annotations

import libcst as cst

from ..analysis.facts import Facts
from ..analysis.syntax import called_name
from .base import Check
from .declaration import Deprecated, Message, Page

_FIX = ("use {torch}.arange({start}, {end} + {step}, {step}, {rest}), which gives the same values when the step "
        "divides the range ({torch}.arange({start}, {end}) would drop the end and, for integers, give int64)")


class TorchRange(Check):
    code = "TPF101"
    title = "`torch.range(...)`: deprecated, end inclusive, float result"
    summary = "`torch.range(...)` (deprecated; includes the end; floats even for integer arguments)"
    fix_summary = "`torch.arange(start, end + step, step, dtype=torch.get_default_dtype())`"
    messages = {
        "range": Message("torch.range() is deprecated: unlike Python's range and torch.arange it includes the end, "
                         f"and it returns floats even for integer arguments; {_FIX}", fix=_FIX),
    }
    expectation = Deprecated("UserWarning", (r"torch\.range is deprecated",))
    triggers = ((r"\.range\(",),)
    page = Page(
        pitfall="""\
`torch.range(start, end)` is not `range`: it includes `end`, and its result has the default float
dtype even for integer arguments. It has been deprecated for years in favour of `torch.arange`, whose
end is exclusive and whose dtype follows the arguments, so replacing one with the other changes both the
length and the dtype.""",
        runtime="""\
`UserWarning: torch.range is deprecated and will be removed in a future release because its behavior is
inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in [start, end).`;
`torch.range(0, 4)` is `tensor([0., 1., 2., 3., 4.])`, five float32 values, where `torch.arange(0, 4)` is
four int64 ones.""",
        fix="""\
`torch.arange(start, end + step, step, dtype=torch.get_default_dtype())`: the same values and dtype when
the step divides `end - start` (with a float step that does not, check the last value). A peer's fix to
`torch.arange(start, end + 1)` silently turns the float result into int64.""",
        flagged="""\
Any call that resolves to `torch.range`: `torch.range(...)`, `th.range(...)` after `import torch as th`.
A bare `range(...)` imported with `from torch import range` is found only in functions read for another
rule (to stay fast, a function is read for this one when it shows `.range(`; `range(` alone is the builtin
almost everywhere).""",
        silent="""\
The builtin `range`, `np.arange`, `torch.arange`, `.range` of other objects (`df.range(...)`,
`rng.range(...)`), and a local function or parameter named `range`.""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        named = called_name(func)
        if named != "range" or at.qualname(func) != "torch.range":
            return
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        start = positional[0].value if positional else keywords.get("start")
        end = positional[1].value if len(positional) > 1 else keywords.get("end")
        step = positional[2].value if len(positional) > 2 else keywords.get("step")
        torch = at.code(func.value) if isinstance(func, cst.Attribute) else "torch"
        shown = {name: _operand(value, at) if value is not None else default
                 for name, value, default in (("start", start, "start"), ("end", end, "end"))}
        step_text = _operand(step, at) if step is not None else "1"
        rest = [f"{name}={at.code(value)}" for name, value in keywords.items() if name not in ("start", "end", "step")]
        if "dtype" not in keywords:
            rest.insert(0, f"dtype={torch}.get_default_dtype()")  # torch.range's dtype, whatever the arguments
        self.report(node, "range", torch=torch, start=shown["start"], end=shown["end"], step=step_text,
                    rest=", ".join(rest))


#: Operators that bind at least as tightly as `+`: `end + step` needs no parentheses around them.
_TIGHT = (cst.Add, cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.Power, cst.MatrixMultiply)


def _operand(node: cst.BaseExpression, at: Facts) -> str:
    """The argument's text, parenthesised where `+ step` would otherwise bind inside it (`a if c else b`)."""
    text = at.code(node)
    simple = isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.Attribute, cst.Call, cst.Subscript)) or (
        isinstance(node, cst.BinaryOperation) and isinstance(node.operator, _TIGHT)) or (
        isinstance(node, cst.UnaryOperation) and not isinstance(node.operator, cst.Not))
    return text if simple or node.lpar else f"({text})"
