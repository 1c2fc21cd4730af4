"""The grad context a statement runs in: no_grad / inference_mode / enable_grad / autocast."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from ..settings import Settings
from . import torch_api as api
from .values import Kind, Value

ValueOf = Callable[[cst.CSTNode], Value]


@dataclass(frozen=True)
class GradState:
    disabled: bool = False  # autograd is off (no_grad, inference_mode, set_grad_enabled(False))
    autocast: bool = False  # inside torch.autocast(...)


def _is_false(value: Value) -> bool:
    return value.dtype == "bool" and value.int_value == 0


def _first_arg_false(call: cst.Call, value_of: ValueOf) -> bool:
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value in ("mode", "enabled"):
            return _is_false(value_of(arg.value))
    return False


def with_item_effect(state: GradState, item: cst.BaseExpression, value: Value, value_of: ValueOf,
                     settings: Settings) -> GradState:
    """The grad state inside `with item:` (or under the decorator `item`), once `item` was evaluated."""
    call = item if isinstance(item, cst.Call) else None
    qualname = value_of(call.func).qualname if call is not None else (
        value.qualname if value.kind is Kind.REF else None)
    if qualname is None:
        return state
    if qualname in api.NO_GRAD or qualname in settings.extra_no_grad:
        if call is not None and qualname.endswith("inference_mode") and _first_arg_false(call, value_of):
            return state
        return GradState(disabled=True, autocast=state.autocast)
    if qualname in api.ENABLE_GRAD:
        return GradState(disabled=False, autocast=state.autocast)
    if qualname in api.SET_GRAD_ENABLED and call is not None and call.args:
        flag = value_of(call.args[0].value)
        if flag.dtype == "bool" and flag.int_value is not None:
            return GradState(disabled=not flag.int_value, autocast=state.autocast)
        return state
    if qualname in api.AUTOCAST:
        enabled = not (call is not None and any(
            a.keyword is not None and a.keyword.value == "enabled" and value_of(a.value).int_value == 0
            for a in call.args))
        return GradState(disabled=state.disabled, autocast=enabled)
    return state
