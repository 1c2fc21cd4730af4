"""TPF106: a plain tensor assigned to a module's registered parameter."""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.values import Kind, Value
from .base import Check
from .declaration import Message, Page, Raises

_FIX = ("wrap it: `{target} = nn.Parameter({value})`, or copy into the parameter under `torch.no_grad()`: "
        "`{target}.copy_({value})`")


class TensorAssignedToParameter(Check):
    code = "TPF106"
    one_run = True  # it raises on the run that reaches it: a loop's first iteration is enough
    title = "a plain tensor assigned to a registered parameter"
    summary = "a plain tensor assigned to a module's parameter (`layer.weight = t`)"
    fix_summary = "`nn.Parameter(t)`, or `.copy_(t)` under `torch.no_grad()`"
    messages = {
        "plain_tensor": Message("assigning a plain tensor to the parameter {attr} of {layer} raises 'cannot assign "
                                "... as parameter {attr} (torch.nn.Parameter or None expected)'; "
                                f"{_FIX}", fix=_FIX),
    }
    expectation = Raises("TypeError", (r"cannot assign '[\w.]+' as parameter '\w+' \(torch\.nn\.Parameter or None "
                                       r"expected\)",))
    triggers = ((r"\.(?:weight|bias)\s*=[^=]",),)
    page = Page(
        pitfall="""\
A module keeps its parameters in a registry that accepts only `nn.Parameter` objects (or None).
Assigning any other tensor to a registered name (`layer.weight = new_weights`) is refused, whatever its
shape; so is a tensor derived from the parameter itself (`layer.weight * 2`, `layer.weight.data`).""",
        runtime="""\
`TypeError: cannot assign 'torch.FloatTensor' as parameter 'weight' (torch.nn.Parameter or None
expected)`.""",
        fix="""\
`layer.weight = nn.Parameter(new_weights)` (a new leaf: an optimizer built before holds the old one), or
keep the parameter and copy into it: `with torch.no_grad(): layer.weight.copy_(new_weights)`.""",
        flagged="""\
`m.weight = t` / `m.bias = t` (also `self.fc.weight = t`, `model.encoder.weight = t`) where `m` is a
`torch.nn` layer built in the file that registers that parameter (`nn.Linear`, convolutions,
`nn.Embedding`'s weight, normalisation layers, even when built with `bias=False` or without affine
parameters: the name is still registered, as None), and `t` is a tensor the analysis knows is not an
`nn.Parameter`: a factory's result, an operation's (`w * 2`, `w.t()`, `w.data`, `w.detach()`), or a name
bound to one.""",
        silent="""\
`nn.Parameter(t)`, `None`, another module's parameter (`dec.weight = enc.weight`: weight tying), a
parameter deleted first (`del layer.weight`, `del layer._parameters["weight"]`: the functional
re-parametrisation idiom, after which a plain tensor is a plain attribute),
values of unknown kind or known only to be some `Tensor` (a parameter annotated `torch.Tensor` may be
handed an `nn.Parameter`), in-place copies (`m.weight.copy_(t)`), attributes a layer does not register
(`emb.bias = t` on an `nn.Embedding`), and objects that are not known `torch.nn` layers.""",
    )

    def visit_Assign(self, node: cst.Assign, at: Facts) -> None:
        value = at.value(node.value)
        if not _plain_tensor(value):
            return
        for target in node.targets:
            attribute = target.target
            if not isinstance(attribute, cst.Attribute):
                continue
            layer = _layer_with(at.value(attribute.value), attribute.attr.value)
            current = at.value(attribute)  # unknown once deleted (`del layer.weight`): then a plain attribute
            if layer is not None and current.kind is Kind.TENSOR and current.autograd.param:
                shown = at.code(node.value) if isinstance(node.value, cst.Name) else "..."
                self.report(node, "plain_tensor", attr=repr(attribute.attr.value), layer=f"an nn.{layer}",
                            target=at.code(attribute), value=shown)


def _plain_tensor(value: Value) -> bool:
    """A tensor known not to be an nn.Parameter."""
    return value.kind is Kind.TENSOR and value.autograd.plain


def _layer_with(owner: Value, attr: str) -> str | None:
    """The `torch.nn` layer class `owner` is, when it registers the parameter `attr`."""
    layer = api.nn_layer(owner.qualname) if owner.kind is Kind.MODULE else None
    return layer if layer is not None and attr in api.LAYER_PARAMETERS.get(layer, ()) else None
