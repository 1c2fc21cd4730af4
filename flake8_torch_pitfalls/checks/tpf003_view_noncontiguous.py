"""TPF003: `.view()` on a transposed or permuted tensor without `.contiguous()`.

`view` needs the merged dimensions to be adjacent in memory; after `transpose`/`permute`/`.T` they
often are not, and torch raises `view size is not compatible with input tensor's size and stride`.
Stride-aware: when the permutation and the grouping of the view's sizes can be read from the source,
a view that only merges dimensions still adjacent and in order is valid and stays silent.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.evaluation import CallArgs
from ..analysis.interpreter import Interpreter
from ..analysis.layout import ViewVerdict, check_view, check_view_open
from ..analysis.values import DTYPE, TENSOR, Value
from .base import Check


class ViewOnNonContiguous(Check):
    code = "TPF003"
    summary = "`.view()` on a transposed/permuted tensor without `.contiguous()`"
    triggers = ((r"\.view\(", r"transpose|permute|swapaxes|swapdims|movedim|moveaxis|\.t\(\)|\.m?[TH]\b"),)

    def visit_Call(self, node: cst.Call, at: Interpreter) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "view"):
            return
        receiver = at.value(func.value)
        if receiver.kind != TENSOR or receiver.noncontig is None:
            return
        args = _positional(node, at)
        if any(v.kind == DTYPE for v in args.positional):
            return  # a dtype view reinterprets bytes; strides do not matter
        if _keeps_every_dimension(node, func.value, at):
            return  # `x.view(*x.shape, 1)` only adds size-1 dimensions: valid for any strides
        op = receiver.noncontig
        sizes = args.sizes()
        if receiver.perm is not None and receiver.dims is not None and sizes is not None \
                and len(receiver.perm) == len(receiver.dims):
            judge = check_view_open if receiver.open_rank else check_view
            verdict = judge(receiver.perm, receiver.dims, sizes)
            if verdict is ViewVerdict.OK:
                return
            if verdict is ViewVerdict.MERGES_SWAPPED:
                self.report(node, f".view() merges dimensions that {op} took out of memory order and raises "
                                  "'view size is not compatible with input tensor's size and stride'; "
                                  "use .reshape() or call .contiguous() before .view()")
                return
        self.report(node, f".view() on the non-contiguous result of {op} (the grouping of its sizes cannot be "
                          "verified from the source) may raise 'view size is not compatible ...'; "
                          "use .reshape() or call .contiguous() before .view()")


def _positional(node: cst.Call, at: Interpreter) -> CallArgs:
    positional: list[Value] = []
    stars = [i for i, arg in enumerate(node.args) if arg.star]
    for arg in node.args:
        if not arg.star and arg.keyword is None:
            positional.append(at.value(arg.value))
    star_last = stars == [len(node.args) - 1] and stars[0] > 0 and node.args[-1].star == "*"
    return CallArgs(positional, {}, bool(stars), star_last)


def _keeps_every_dimension(node: cst.Call, receiver: cst.BaseExpression, at: Interpreter) -> bool:
    """`x.view(*x.shape, 1, 1)` / `x.view(1, *x.size())`: the receiver's own sizes, plus literal 1s."""
    own = [arg for arg in node.args if arg.star == "*" and _is_own_shape(arg.value, at.code(receiver), at)]
    rest = [arg for arg in node.args if arg not in own]
    return len(own) == 1 and all(
        arg.keyword is None and not arg.star and isinstance(arg.value, cst.Integer) and arg.value.value == "1"
        for arg in rest)


def _is_own_shape(node: cst.BaseExpression, receiver: str, at: Interpreter) -> bool:
    if isinstance(node, cst.Call) and not node.args:
        node = node.func  # `x.size()`
    return (isinstance(node, cst.Attribute) and node.attr.value in ("shape", "size")
            and at.code(node.value) == receiver)
