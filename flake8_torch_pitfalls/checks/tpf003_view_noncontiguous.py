"""TPF003: `.view()` on a transposed or permuted tensor without `.contiguous()`, judged stride by stride."""

from __future__ import annotations

import libcst as cst

from ..analysis.facts import Facts
from ..analysis.layout import ViewVerdict, check_view, check_view_open, group_dims, proven_sizes, swapped_merge
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
        "merges_unless": Message(".view() merges dimensions {merged} of the result of {op}, which are out of memory "
                                 "order: it raises 'view size is not compatible ...' unless {condition} or the tensor "
                                 f"was already stored in that order (e.g. channels_last); {_FIX}", fix=_FIX),
        "fragile": Message(".view() on the non-contiguous result of {op} raises 'view size is not compatible ...' "
                           "unless the dimensions it merges are still in memory order or of size 1 (which ones it "
                           f"merges cannot be read from the source); {_FIX}", fix=_FIX),
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
`.contiguous()` in between, also through what keeps the layout: elementwise results and comparisons
(`pred.t().eq(target)`, the top-k accuracy idiom's `correct[:k].view(-1)`), slices, a function of the file
that returns the transposed tensor, a property of the class, or a parameter that every call in the file
hands a transposed tensor. Stride-aware: when the permutation and the sizes can be read from the source
(literal dims, `b, c, h, w = x.shape`, `x.size(i)`, `x.shape[i]`, factory sizes), the check works out which
input dimensions each view size takes. A view that only merges dimensions still adjacent and in storage
order is valid and stays silent — `x.permute(0, 2, 3, 1).view(b, h * w, c)` merges `h, w`, which are still
in order. A view that merges swapped dimensions — `.view(b, -1)` after the same permute — is flagged. When
the grouping cannot be read (unknown rank, `*shape`), the view is flagged as fragile and the message says
it could not be verified. The message says the view *raises* only when that is proven (the merged
dimensions have literal sizes above 1); otherwise it names the condition under which it still works
(`unless dimension 0 or 1 has size 1`, or a tensor already stored in that order, such as channels_last).""",
        silent="""\
`.reshape(...)`, `.contiguous().view(...)`, `.clone(memory_format=torch.contiguous_format)`,
views taken before the transpose, dtype views (`x.t().view(torch.int32)`), transposes that cancel out,
numpy arrays, views that keep every dimension and only add size-1 ones (`x.view(*x.shape, 1, 1)`,
`x.permute(0, 2, 3, 1).view(b, h, w, 1, c)`), views that only split one dimension (`w.T.view(n, -1, k)`:
`.T` and `.t()` are read as 2-d), merges of a dimension known to have size 1 (a slice keeps the size of
each dimension it takes whole with `:` or `...`), views that keep the sizes a `permute` moved to the front
(`feat.permute(1, 2, 0).view(*feat.shape[1:], h, w)`: a permute names every dimension), and
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
            groups = group_dims(layout.dims, sizes)
            merged = swapped_merge(layout.perm, layout.dims, groups) if groups is not None else None
            if verdict is ViewVerdict.MERGES_SWAPPED and merged is not None:
                if proven_sizes(layout.dims, merged) and not layout.open_rank:
                    self.report(node, "merges", op=op)
                else:
                    self.report(node, "merges_unless", op=op, merged=_listed(merged, "and"),
                                condition=_size_one_condition(merged))
                return
        self.report(node, "fragile", op=op)


def _listed(dims: list[int], word: str) -> str:
    names = [str(d) for d in dims]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {word} " + names[-1]


def _size_one_condition(merged: list[int]) -> str:
    """When merging out-of-order dimensions still works: all of them but one have size 1."""
    if len(merged) == 2:
        return f"dimension {_listed(merged, 'or')} has size 1"
    return f"all but one of dimensions {_listed(merged, 'and')} have size 1"


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
