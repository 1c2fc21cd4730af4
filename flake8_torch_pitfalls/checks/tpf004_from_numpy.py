"""TPF004: `torch.from_numpy()` on something that is not a `numpy.ndarray`.

`from_numpy` shares memory with an ndarray and accepts nothing else: an `array.array`, list, tuple,
range or string raises `TypeError: expected np.ndarray (got ...)`. Numpy results and values the analysis
cannot see stay silent.
"""

from __future__ import annotations

import libcst as cst

from ..analysis.interpreter import Interpreter
from ..analysis.values import BYTES, DICT, LIST, RANGE, SET, STDLIB_ARRAY, STR, TUPLE
from .base import Check

_NOT_NDARRAY = {STDLIB_ARRAY: "array.array", LIST: "list", TUPLE: "tuple", SET: "set", DICT: "dict",
                RANGE: "range", STR: "str", BYTES: "bytes"}


class FromNumpyOnNonNdarray(Check):
    code = "TPF004"
    summary = "`torch.from_numpy()` on something that is not a `numpy.ndarray`"
    triggers = ((r"from_numpy",),)

    def visit_Call(self, node: cst.Call, at: Interpreter) -> None:
        if at.value(node.func).qualname != "torch.from_numpy" or not node.args:
            return
        got = _NOT_NDARRAY.get(at.value(node.args[0].value).kind)
        if got is not None:
            self.report(node, f"torch.from_numpy() accepts only numpy.ndarray and raises "
                              f"'expected np.ndarray (got {got})'; use torch.tensor(...) "
                              "(or convert with np.asarray(...) first)")
