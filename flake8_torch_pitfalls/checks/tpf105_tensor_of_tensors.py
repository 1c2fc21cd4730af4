"""TPF105: `torch.tensor(list_of_tensors)` where `torch.stack` is meant."""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.syntax import called_name
from ..analysis.values import Kind, Value
from .base import Check
from .declaration import Message, Page, Raises

_FIX = "use torch.stack({items}) (torch.cat({items}) for one-element tensors of shape (1,), to keep the flat result)"
#: The constructors that copy nested Python sequences element by element.
_CONSTRUCTORS = frozenset({"torch.tensor", "torch.as_tensor", *api.TYPED_TENSORS})
_CONSTRUCTOR_NAMES = frozenset(qualname.rsplit(".", 1)[-1] for qualname in _CONSTRUCTORS)


class TensorOfTensors(Check):
    code = "TPF105"
    one_run = True  # it raises on the run that reaches it (multi-element tensors): one iteration is enough
    title = "`torch.tensor()` of a list of tensors"
    summary = "`torch.tensor(list_of_tensors)` of multi-element tensors (raises) or of tensors in the graph (drops it)"
    fix_summary = "`torch.stack(list)`"
    messages = {
        "multi_element": Message("{call}() of a {container} of tensors with more than one element raises 'only one "
                                 f"element tensors can be converted to Python scalars'; {_FIX}", fix=_FIX),
        "graph_dropped": Message("{call}() of a {container} of tensors that carry autograd history copies their "
                                 "values into a new tensor without a graph (no gradient flows back through it); "
                                 f"{_FIX}", fix=_FIX),
    }
    expectation = Raises("ValueError", (r"only one element tensors can be converted to Python scalars",))
    # A literal holding calls or a comprehension; a name argument where the function appends or binds a
    # display; any literal where the function computes losses or makes tensors that require grad.
    triggers = ((r"(?:tensor|Tensor)\(\s*[\[(][^\]\n]*(?:\w\.\w+\(|\bfor\b)",),
                (r"\.append\(|=\s*\[[^\]\n]*\w\(", r"(?:tensor|Tensor)\(\s*[a-z_]\w*\s*[,)]"),
                (r"(?:tensor|Tensor)\(\s*[\[(]", r"loss|backward\(|requires_grad|Parameter\("))
    page = Page(
        pitfall="""\
`torch.tensor()` (and `torch.as_tensor`, `torch.Tensor`, `torch.FloatTensor`, ...) reads a
nested Python list number by number. Given a list of tensors it converts each tensor to a Python scalar:
tensors of more than one element cannot be, and one-element tensors are copied one at a time into a new
tensor with no autograd history.""",
        runtime="""\
`ValueError: only one element tensors can be converted to Python scalars`; with one-element
tensors that carry a graph no error, but the result is a new leaf (`grad_fn` is None): a loss built from
it gives no gradient to what produced the elements.""",
        fix="""\
`torch.stack(tensors)` (a new leading dimension; keeps device, dtype and the graph). For
one-element tensors of shape `(1,)`, `torch.tensor` gives a flat `(n,)` result: `torch.cat(tensors)` keeps
that shape (`torch.stack` would give `(n, 1)`).""",
        flagged="""\
`torch.tensor`, `torch.as_tensor`, `torch.Tensor` and the typed constructors (`torch.FloatTensor`, ...)
called with a list or tuple of tensors (a literal, a comprehension, or a name bound to a list filled by
`.append`, also in a loop or returned by a function of the file) when it fails or loses something:
elements with a dimension of known size other than 1 (`[torch.ones(3), torch.zeros(3)]`: it raises), or,
where grad is enabled, elements that carry autograd history (tensors that require grad; losses and what
is computed from them, in code where autograd is live): the graph is dropped without a word. To stay
fast, a function is read for
this rule when the literal holds a call or a comprehension, when it appends (or binds a display holding
a call) and hands a name to the constructor, or when it computes a loss or makes a tensor that requires
grad.""",
        silent="""\
Tensors of unknown or one-element size that carry no graph (`torch.tensor([x.max(), x.min()])`,
per-sample position deltas, metric values): that conversion works, and an independent review of 41 such
findings in released code judged 39 not worth changing; lists of numbers, of `.item()` / `float()`
values, of numpy arrays, of values of unknown kind, nested lists, code under `torch.no_grad()`,
`torch.stack` / `torch.cat`.""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        name = called_name(func)
        if name not in _CONSTRUCTOR_NAMES or at.qualname(func) not in _CONSTRUCTORS:
            return
        data = at.call_args(node).get(0, "data")
        elements = _tensor_elements(data)
        if not elements:
            return
        if any(element.layout.more_than_one_element() for element in elements):
            message = "multi_element"
        elif any(at.requires_grad(element) for element in elements):
            message = "graph_dropped"
        else:
            return
        argument = node.args[0].value
        items = at.code(argument) if isinstance(argument, cst.Name) else "..."
        container = "tuple" if data is not None and data.kind is Kind.TUPLE else "list"
        self.report(node, message, call=at.code(node.func), container=container, items=items)


def _tensor_elements(value: Value | None) -> list[Value]:
    """The elements of a list or tuple that holds only tensors (none for an empty display or other values)."""
    if value is None or value.kind not in (Kind.LIST, Kind.TUPLE):
        return []
    if value.items is not None:
        return list(value.items) if value.items and all(i.kind is Kind.TENSOR for i in value.items) else []
    return [value.elem] if value.elem is not None and value.elem.kind is Kind.TENSOR else []
