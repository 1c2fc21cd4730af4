"""TPF003: `.view()` on a transposed or permuted tensor without `.contiguous()`, judged stride by stride."""

from __future__ import annotations

import libcst as cst

from ..analysis.facts import Facts
from ..analysis.layout import ViewVerdict, check_view, check_view_open
from ..analysis.values import Kind
from .base import Check
from .declaration import Message, Page, Raises

_FIX = "use .reshape() or call .contiguous() before .view()"


class ViewOnNonContiguous(Check):
    code = "TPF003"
    title = "`.view()` on a transposed/permuted tensor without `.contiguous()`"
    summary = "`.view()` on a transposed/permuted tensor (stride-aware)"
    fix_summary = "`.reshape()` or `.contiguous().view()`"
    messages = {
        "merges": Message(".view() merges dimensions that {op} took out of memory order and raises 'view size is "
                          f"not compatible with input tensor's size and stride'; {_FIX}", fix=_FIX),
        "fragile": Message(".view() on the non-contiguous result of {op} (the grouping of its sizes cannot be "
                           f"verified from the source) may raise 'view size is not compatible ...'; {_FIX}", fix=_FIX),
    }
    expectation = Raises("RuntimeError", (
        r"view size is not compatible with input tensor's size and stride",
        r"invalid argument \d+: view size is not compatible",
    ))
    triggers = ((r"\.view\(", r"transpose|permute|swapaxes|swapdims|movedim|moveaxis|\.t\(\)|\.m?[TH]\b"),)
    page = Page(
        pitfall="""\
`view` never copies: it needs the dimensions it merges to be adjacent in memory.
`transpose`, `permute`, `t()`, `.T`, `.mT`, `swapaxes`, `swapdims`, `movedim` reorder dimensions without
moving data, so merging reordered dimensions fails.""",
        runtime="""\
`RuntimeError: view size is not compatible with input tensor's size and stride (at least one dimension
spans across two contiguous subspaces). Use .reshape(...) instead.`""",
        fix="""\
`x.transpose(1, 2).reshape(b, -1)` (copies only when needed) or
`x.transpose(1, 2).contiguous().view(b, -1)`.""",
        flagged="""\
`.view(...)` whose receiver is, directly or through a name, the result of `transpose`, `permute`, `t()`,
`.T`, `.mT`, `swapaxes`, `swapdims`, `movedim`/`moveaxis` or `torch.transpose(...)`, with no
`.contiguous()` in between. Stride-aware: when the permutation and the sizes can be read from the source
(literal dims, `b, c, h, w = x.shape`, `x.size(i)`, `x.shape[i]`, factory sizes), the check works out which
input dimensions each view size takes. A view that only merges dimensions still adjacent and in storage
order is valid and stays silent — `x.permute(0, 2, 3, 1).view(b, h * w, c)` merges `h, w`, which are still
in order. A view that merges swapped dimensions — `.view(b, -1)` after the same permute — is flagged. When
the grouping cannot be read (unknown rank, `*shape`), the view is flagged as fragile and the message says
it could not be verified.""",
        silent="""\
`.reshape(...)`, `.contiguous().view(...)`, `.clone(memory_format=torch.contiguous_format)`,
views taken before the transpose, dtype views (`x.t().view(torch.int32)`), transposes that cancel out,
numpy arrays, views that keep every dimension and only add size-1 ones (`x.view(*x.shape, 1, 1)`), and
views whose sizes were read before shape-preserving layers: after `b, c, h, w = x.shape` and
`x = self.proj_in(x)`, `x.permute(0, 2, 3, 1).view(b, h * w, c)` is read with those sizes (when they name
every dimension of a tensor of the same rank; if they were wrong the view would fail whatever the strides).""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "view"):
            return
        receiver = at.value(func.value)
        layout = receiver.layout
        if receiver.kind is not Kind.TENSOR or layout.noncontig is None:
            return
        args = at.call_args(node)
        if any(v.kind is Kind.DTYPE for v in args.positional):
            return  # a dtype view reinterprets bytes; strides do not matter
        if _keeps_every_dimension(node, func.value, at):
            return  # `x.view(*x.shape, 1)` only adds size-1 dimensions: valid for any strides
        op = layout.noncontig
        sizes = args.sizes()
        if layout.perm is not None and layout.dims is not None and sizes is not None \
                and len(layout.perm) == len(layout.dims):
            judge = check_view_open if layout.open_rank else check_view
            verdict = judge(layout.perm, layout.dims, sizes)
            if verdict is ViewVerdict.OK:
                return
            if verdict is ViewVerdict.MERGES_SWAPPED:
                self.report(node, "merges", op=op)
                return
        self.report(node, "fragile", op=op)


def _keeps_every_dimension(node: cst.Call, receiver: cst.BaseExpression, at: Facts) -> bool:
    """`x.view(*x.shape, 1, 1)` / `x.view(1, *x.size())`: the receiver's own sizes, plus literal 1s."""
    own = [arg for arg in node.args if arg.star == "*" and _is_own_shape(arg.value, at.code(receiver), at)]
    rest = [arg for arg in node.args if arg not in own]
    return len(own) == 1 and all(
        arg.keyword is None and not arg.star and isinstance(arg.value, cst.Integer) and arg.value.value == "1"
        for arg in rest)


def _is_own_shape(node: cst.BaseExpression, receiver: str, at: Facts) -> bool:
    if isinstance(node, cst.Call) and not node.args:
        node = node.func  # `x.size()`
    return (isinstance(node, cst.Attribute) and node.attr.value in ("shape", "size")
            and at.code(node.value) == receiver)
