"""TPF005: a matrix product of tensors whose dtypes differ.

`torch.mm(A, B)` and friends need both operands in one dtype (`expected m1 and m2 to have the same
dtype, but got: float != double`); elementwise ops promote and do not. Under `torch.autocast` fp32 mixes
with fp16/bf16 are reconciled (float64 never is).
"""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.interpreter import Interpreter
from ..analysis.values import TENSOR, Value
from .base import Check

_AUTOCAST_RECONCILED = frozenset({"float32", "float16", "bfloat16"})
_CONVERTERS = {"float32": ".float()", "float64": ".double()", "float16": ".half()", "bfloat16": ".bfloat16()"}


class MatmulDtypeMismatch(Check):
    code = "TPF005"
    summary = "matrix product of tensors with different dtypes"
    triggers = ((r"mm\(|matmul|dot\(|mv\(|inner\(|linear\(|@(?!\w)",
                 r"dtype|float|double|half|long\(|int\(|arange|tensor\(|Tensor\(|from_numpy"),)

    def visit_Call(self, node: cst.Call, at: Interpreter) -> None:
        func = node.func
        qualname = at.value(func).qualname
        positions = api.MATRIX_PRODUCTS.get(qualname or "")
        if positions is not None:
            positional = [a.value for a in node.args if not a.star and a.keyword is None]
            if max(positions) < len(positional):
                self._compare(node, at.value(positional[positions[0]]), at.value(positional[positions[1]]), at)
            return
        if isinstance(func, cst.Attribute) and func.attr.value in api.MATRIX_METHODS and node.args:
            self._compare(node, at.value(func.value), at.value(node.args[0].value), at)

    def visit_BinaryOperation(self, node: cst.BinaryOperation, at: Interpreter) -> None:
        if isinstance(node.operator, cst.MatrixMultiply):
            self._compare(node, at.value(node.left), at.value(node.right), at)

    def visit_AugAssign(self, node: cst.AugAssign, at: Interpreter) -> None:
        if isinstance(node.operator, cst.MatrixMultiplyAssign):
            self._compare(node, at.value(node.target), at.value(node.value), at)

    def _compare(self, node: cst.CSTNode, left: Value, right: Value, at: Interpreter) -> None:
        if left.kind != TENSOR or right.kind != TENSOR or left.dtype is None or right.dtype is None:
            return
        if left.dtype == right.dtype:
            return
        if at.in_autocast and {left.dtype, right.dtype} <= _AUTOCAST_RECONCILED:
            return
        target = _CONVERTERS.get(left.dtype, f".to(torch.{left.dtype})")
        self.report(node, f"matrix product of {left.dtype} and {right.dtype} tensors raises 'expected m1 and m2 "
                          f"to have the same dtype'; convert one operand first (e.g. {target} or .to(dtype))")
