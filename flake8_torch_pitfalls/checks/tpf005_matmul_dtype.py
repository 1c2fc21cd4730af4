"""TPF005: a matrix product of tensors whose dtypes differ."""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.values import Kind, Value
from .base import Check
from .declaration import Message, Page, Raises

_AUTOCAST_RECONCILED = frozenset({"float32", "float16", "bfloat16"})
_CONVERTERS = {"float32": ".float()", "float64": ".double()", "float16": ".half()", "bfloat16": ".bfloat16()"}
_FIX = "convert one operand first (e.g. {convert} or .to(dtype))"
_INPUT_FIX = "convert the input to the module's dtype first (e.g. {convert}), or the module with .to(dtype)"
_FLOATS = api.FLOAT_DTYPES


class MatmulDtypeMismatch(Check):
    code = "TPF005"
    one_run = True  # it raises on the run that reaches it: a loop's first iteration is enough
    title = "matrix product of tensors with different dtypes"
    summary = "matrix product of tensors with different dtypes (they do not promote)"
    fix_summary = "`.float()` / `.double()` / `.to(dtype)` first"
    messages = {
        "mismatch": Message("matrix product of {left} and {right} tensors raises 'expected m1 and m2 to have the "
                            f"same dtype'; {_FIX}", fix=_FIX),
        "module_input": Message("an input of dtype {input} fed to a module whose weights are {weights} raises 'mat1 "
                                f"and mat2 must have the same dtype' (or 'expected scalar type'); {_INPUT_FIX}",
                                fix=_INPUT_FIX),
    }
    expectation = Raises("RuntimeError", (
        r"expected (m1|mat1) and (m2|mat2) to have the same dtype",
        r"expected both vectors to have same dtype",
        r"expected scalar type \w+ but found \w+",
        r"Expected object of scalar type \w+ but got scalar type \w+",
        r"self and mat2 must have the same dtype",
    ))
    triggers = ((r"mm\(|matmul|dot\(|mv\(|inner\(|linear\(|@(?!\w)",
                 r"dtype|float|double|half|long\(|int\(|arange|tensor\(|Tensor\(|from_numpy"),
                # a module called with an input of another dtype: the conversion is what is rare
                (r"from_numpy|\.double\(\)|DoubleTensor",))
    page = Page(
        pitfall="""\
Matrix products need both operands in one dtype; unlike elementwise `A * B`, they do
not promote.""",
        runtime="""\
`RuntimeError: expected m1 and m2 to have the same dtype, but got: float != double`
(CUDA: `expected mat1 and mat2 to have the same dtype`; `torch.dot`: `expected both vectors to have same dtype`).""",
        fix="""\
Convert one operand first: `.float()`, `.double()`, `.half()` or `.to(other.dtype)`.""",
        flagged="""\
`torch.mm`, `matmul`, `bmm`, `mv`, `dot`, `inner`, `addmm`/`addbmm`/`baddbmm`/`addmv`,
`F.linear`, the `@` operator and the method forms, when both operand dtypes are known and differ; and a
module built in the file (a `torch.nn` layer, an `nn.Sequential`, a module class whose `forward` does not
convert its input) called with a tensor whose dtype differs from its weights' (float32 unless the module
was converted with `.double()` / `.half()` / `.to(dtype)`): a float64 or float16 input always, an integer
input when the module starts with a dense layer (`nn.Linear`, a convolution, a recurrent layer; not
`nn.Embedding`). Dtypes
come from factories (`dtype=`; float32 defaults for `randn`/`rand`/`zeros`/`ones`/...; int64 for integer
`arange` and integer `tensor` literals), `torch.from_numpy(np.<float64 maker>)`, conversions
(`.double()`, `.float()`, `.half()`, `.long()`, `.to(dtype)`), and flow through shape-only ops (`view`,
`reshape`, `t`, `T`, `index_select`, ...), activations (`torch.tanh(x)`, `F.relu(x)`), `np.stack` of arrays
of one dtype, dict displays and comprehensions, the file's own functions (what they return and what every
call hands them) and generators (a minibatch maker that yields slices of a float64 tensor).""",
        silent="""\
Unknown dtypes; elementwise ops (they promote); fp32 mixed with fp16/bf16 inside
`torch.autocast(...)` (autocast reconciles those — it never reconciles float64); inputs of an
`nn.Embedding` (an index, not an operand: a floating one is TPF112's finding); files that call
`torch.set_default_dtype` (the float default is then unknown).""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        positions = api.MATRIX_PRODUCTS.get(at.qualname(func) or "")
        if positions is not None:
            positional = at.call_args(node).positional
            if max(positions) < len(positional):
                self._compare(node, positional[positions[0]], positional[positions[1]], at)
            return
        if isinstance(func, cst.Attribute) and func.attr.value in api.MATRIX_METHODS and node.args:
            self._compare(node, at.value(func.value), at.value(node.args[0].value), at)

        module = at.value(func)
        if module.kind is Kind.MODULE and module.dtype is not None and node.args and node.args[0].keyword is None \
                and not node.args[0].star:
            self._check_input(node, module, at.value(node.args[0].value), at)

    def _check_input(self, node: cst.Call, module: Value, given: Value, at: Facts) -> None:
        """A module's input meets its weights: a float input must match them; an integer one raises in a
        dense layer (`nn.Linear`, convolutions, recurrent layers), never in an `nn.Embedding`."""
        weights, dtype = module.dtype, given.dtype
        if given.kind is not Kind.TENSOR or dtype is None or dtype == weights or weights not in _FLOATS:
            return
        layer = api.nn_layer(module.qualname)
        if layer in api.EMBEDDING_LAYERS:
            return  # an embedding's input is an index: a floating one is TPF112's finding
        if dtype not in _FLOATS:
            if layer in api.DENSE_LAYERS:
                self.report(node, "module_input", input=dtype, weights=weights, convert=_CONVERTERS[weights])
            return
        if at.in_autocast and {dtype, weights} <= _AUTOCAST_RECONCILED:
            return
        self.report(node, "module_input", input=dtype, weights=weights, convert=_CONVERTERS[weights])

    def visit_BinaryOperation(self, node: cst.BinaryOperation, at: Facts) -> None:
        if isinstance(node.operator, cst.MatrixMultiply):
            self._compare(node, at.value(node.left), at.value(node.right), at)

    def visit_AugAssign(self, node: cst.AugAssign, at: Facts) -> None:
        if isinstance(node.operator, cst.MatrixMultiplyAssign):
            self._compare(node, at.value(node.target), at.value(node.value), at)

    def _compare(self, node: cst.CSTNode, left: Value, right: Value, at: Facts) -> None:
        if left.kind is not Kind.TENSOR or right.kind is not Kind.TENSOR or left.dtype is None or right.dtype is None:
            return
        if left.dtype == right.dtype:
            return
        if at.in_autocast and {left.dtype, right.dtype} <= _AUTOCAST_RECONCILED:
            return
        convert = _CONVERTERS.get(left.dtype, f".to(torch.{left.dtype})")
        self.report(node, "mismatch", left=left.dtype, right=right.dtype, convert=convert)
