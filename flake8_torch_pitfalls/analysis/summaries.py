"""What a file's own functions hand back: one summary per function, read at each of its call sites.

Parameters, the other way round, get the facts the file's own calls hand them, when every call hands the
parameter something and the joined facts say something (a transposed tensor built in the caller and
viewed in the callee; a float64 array passed to a helper that multiplies it with a float32 weight).

A train step that returns its loss, a helper that returns a transposed or float64 tensor, a maker of a
leaf that requires grad: the caller sees the facts of what is returned, joined over every `return`
(tuples item by item, so `loss, mse = step(...)` keeps each element's facts). Summaries do not depend on
the arguments of a call; sizes read from the callee's parameters are call-specific, so they are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import libcst as cst

from .arguments import CallArgs
from .values import MODEL_OUTPUT, NONE_VALUE, SHAPE_TOKEN, Kind, Value, fresh_layout, join

#: Decorators (by their last name) that leave what a call returns as the body returns it.
TRANSPARENT_DECORATORS = frozenset({
    "staticmethod", "classmethod", "no_grad", "enable_grad", "inference_mode", "script", "unused", "ignore",
    "compile", "wraps", "lru_cache", "cache", "override", "abstractmethod", "property", "cached_property",
})

#: Decorators that make reading the attribute call the method.
PROPERTY_DECORATORS = frozenset({"property", "cached_property"})


def returned(values: list[Value], falls_through: bool) -> Value:
    """The joined facts of every value a function can return (None when it can end without `return`)."""
    candidates = [*values, NONE_VALUE] if falls_through or not values else values
    result = candidates[0]
    for value in candidates[1:]:
        result = _join_returns(result, value)
    return result


def generator(yielded: list[Value]) -> Value:
    """A generator function's call: an object whose iteration gives the joined facts of every `yield`
    (a minibatch maker that yields slices of a float64 tensor hands float64 batches to the loop)."""
    return Value(Kind.OBJECT, qualname="generator", elem=returned(yielded, False) if yielded else None)


def _join_returns(a: Value, b: Value) -> Value:
    """`join`, but tuples of one length keep their items' facts (`return loss, parts` on every path)."""
    if a.kind is Kind.TUPLE and b.kind is Kind.TUPLE and a.items is not None and b.items is not None \
            and len(a.items) == len(b.items):
        return Value(Kind.TUPLE, items=tuple(_join_returns(x, y) for x, y in zip(a.items, b.items)))
    return join(a, b)


def _passed_on(value: Value, module_call: bool) -> Value:
    """A tensor handed to a parameter: its layout only when its sizes are known too (a transposed tensor of
    unknown sizes would make every view in the callee 'fragile', whatever its callers really pass), its
    dtype but where a module call hands it (the call site reports a dtype mismatch)."""
    layout = value.layout
    if layout.noncontig is not None and (layout.dims is None or None in layout.dims):
        value = value.with_layout(fresh_layout())
    return value.with_dtype(None) if module_call else value


def module_output(value: Value) -> Value:
    """What calling the file's own module returns, from its `forward`: not its layout (what a
    `super().forward` or a layer did to the strides is not in sight)."""
    if value.kind is Kind.TENSOR:
        return value.with_layout(fresh_layout())
    if value.items is not None:
        return replace(value, items=tuple(module_output(item) for item in value.items))
    return value


def at_call_site(value: Value, grad_disabled: bool) -> Value:
    """The summary as one call's result: tensors get shapes of their own (no size read from the
    callee's parameters), and nothing carries a graph where the caller has grad off."""
    if value.kind is Kind.TENSOR:
        layout = value.layout
        dims = layout.dims
        if dims is not None and any(size is not None and any(SHAPE_TOKEN.fullmatch(t) for t in size[1])
                                    for size in dims):
            dims = None
        autograd = replace(value.autograd, loss=False) if grad_disabled else value.autograd
        return replace(value, autograd=autograd, layout=fresh_layout(layout.noncontig, layout.perm, dims,
                                                                     layout.open_rank if dims else False))
    if value.items is not None:
        return replace(value, items=tuple(at_call_site(item, grad_disabled) for item in value.items),
                       elem=at_call_site(value.elem, grad_disabled) if value.elem is not None else None)
    if value.elem is not None:
        return replace(value, elem=at_call_site(value.elem, grad_disabled))
    return value


def falls_through(body: cst.BaseSuite) -> bool:
    """Whether control can reach the end of `body` (so the call may return None)."""
    if isinstance(body, cst.SimpleStatementSuite):
        return not any(isinstance(s, (cst.Return, cst.Raise)) for s in body.body)
    if not body.body:
        return True
    last = body.body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        return not any(isinstance(s, (cst.Return, cst.Raise)) for s in last.body)
    if isinstance(last, cst.If):
        return falls_through(last.body) or _else_falls_through(last.orelse)
    if isinstance(last, cst.With):
        return falls_through(last.body)
    if isinstance(last, cst.Try):
        return falls_through(last.body) or any(falls_through(handler.body) for handler in last.handlers)
    return True


def _else_falls_through(orelse: cst.If | cst.Else | None) -> bool:
    if orelse is None:
        return True
    if isinstance(orelse, cst.If):
        return falls_through(orelse.body) or _else_falls_through(orelse.orelse)
    return falls_through(orelse.body)


#: Kinds of argument worth interpreting a function again for: what rules reason about.
_INFORMATIVE = frozenset({Kind.TENSOR, Kind.NDARRAY, Kind.STDLIB_ARRAY, Kind.LIST, Kind.TUPLE, Kind.DICT,
                          Kind.OBJECT, Kind.MODULE})


@dataclass(frozen=True)
class CallSite:
    """What one call of the file's own function hands it."""

    args: CallArgs
    module_call: bool  # `model(x)` calling `forward`: the call site is where a dtype mismatch is reported
    #: the arguments (by position, or keyword) that are results of grad-enabled operations in the caller
    computed: frozenset[int | str] = frozenset()


def _parameters(params: cst.Parameters, is_method: bool) -> tuple[list[cst.Param], list[cst.Param]]:
    """The parameters a call's arguments bind: positional ones (without `self`), then keyword-only ones."""
    return [*params.posonly_params, *params.params][1 if is_method else 0:], list(params.kwonly_params)


def computed_parameters(params: cst.Parameters, is_method: bool, sites: Sequence[CallSite]) -> set[str]:
    """Parameters every call hands the result of a grad-enabled operation (a model's output): a graph
    still to be backpropagated may have saved them."""
    if not sites:
        return set()
    ordered, keyword_only = _parameters(params, is_method)
    names = set()
    for index, param in enumerate([*ordered, *keyword_only]):
        name = param.name.value
        if all((index < len(ordered) and index in site.computed) or name in site.computed for site in sites):
            names.add(name)
    return names


def returned_parameter(params: cst.Parameters, is_method: bool, returned: Sequence[cst.CSTNode],
                       rebound: set[str]) -> tuple[int | None, str] | None:
    """The parameter a function returns on every path, never rebinding it (`return x` after changing `x`
    in place): a call returns what it was handed. Its position among the call's arguments (None for a
    keyword-only one) and its name."""
    if not returned or not all(isinstance(n, cst.Name) for n in returned):
        return None
    names = {n.value for n in returned if isinstance(n, cst.Name)}
    if len(names) != 1:
        return None
    (name,) = names
    if name in rebound:
        return None
    ordered, keyword_only = _parameters(params, is_method)
    for index, param in enumerate(ordered):
        if param.name.value == name:
            return index, name
    return (None, name) if any(p.name.value == name for p in keyword_only) else None


def parameter_facts(params: cst.Parameters, is_method: bool, sites: Sequence[CallSite]) -> dict[str, Value]:
    """The facts every call hands each parameter, joined; only parameters every call passes, and only
    when some joined fact is worth a second interpretation ({} otherwise)."""
    if not sites or any(site.args.starred for site in sites):
        return {}
    ordered, keyword_only = _parameters(params, is_method)
    facts: dict[str, Value] = {}
    for index, param in enumerate([*ordered, *keyword_only]):
        name = param.name.value
        joined: Value | None = None
        for site in sites:
            value = site.args.get(index, name) if index < len(ordered) else site.args.keywords.get(name)
            if value is None:
                break
            joined = value if joined is None else _join_returns(joined, value)
        else:
            if joined is None or (joined.kind is Kind.UNKNOWN and joined != MODEL_OUTPUT):
                continue
            if joined.kind is Kind.TENSOR:
                joined = _passed_on(joined, any(site.module_call for site in sites))
            facts[name] = joined
    if not any(value.kind in _INFORMATIVE or value == MODEL_OUTPUT for value in facts.values()):
        return {}
    return facts
