"""TPF112: a floating-point tensor used as an index."""

from __future__ import annotations

import libcst as cst

from ..analysis import torch_api as api
from ..analysis.facts import Facts
from ..analysis.syntax import called_name
from ..analysis.values import Kind, Value
from .base import Check
from .declaration import Message, Page, Raises

_FIX = "index with an integer tensor: convert it with .long() (or make it with an integer dtype)"
#: Tensor methods that take an index tensor, and the position of that argument (the `index=` keyword too).
_INDEX_METHODS = {
    "index_select": 1, "gather": 1, "take": 0, "take_along_dim": 0, "index_add": 1, "index_add_": 1,
    "index_copy": 1, "index_copy_": 1, "index_fill": 1, "index_fill_": 1, "scatter": 1, "scatter_": 1,
    "scatter_add": 1, "scatter_add_": 1, "scatter_reduce": 1, "scatter_reduce_": 1,
}
#: The same as `torch.<name>(input, ...)` functions: the input comes first.
_INDEX_FUNCTIONS = {f"torch.{name}": position + 1 for name, position in _INDEX_METHODS.items()
                    if not name.endswith("_")}
_KEYWORDS = {"take_along_dim": "indices"}
_EMBEDDINGS = api.EMBEDDING_LAYERS
_FLOAT_MAKERS = (r"\.float\(\)|\.double\(\)|\.half\(\)|\b(?:Float|Double|Half)?Tensor\(|"
                 r"dtype=[\w.]*(?:float|double|half|bfloat)|linspace\(")
_EMBEDDING_FUNCTIONS = frozenset({"torch.nn.functional.embedding", "torch.nn.functional.embedding_bag"})
#: The last name of each of those functions: other calls are not looked up.
_FUNCTION_NAMES = frozenset(q.rsplit(".", 1)[-1] for q in (*_INDEX_FUNCTIONS, *_EMBEDDING_FUNCTIONS))


class FloatTensorAsIndex(Check):
    code = "TPF112"
    one_run = True  # it raises on the run that reaches it: a loop's first iteration is enough
    title = "a floating-point tensor used as an index"
    summary = "a floating-point tensor used as an index (`x[idx]`, `gather`, an embedding's input)"
    fix_summary = "`.long()` (an integer index)"
    messages = {
        "subscript": Message("indexing with a {dtype} tensor raises 'tensors used as indices must be long, int, byte "
                             f"or bool tensors'; {_FIX}", fix=_FIX),
        "index_argument": Message("{call}() with a {dtype} index tensor raises an error such as '{call}(): "
                                  f"Expected dtype int32/int64 for index'; {_FIX}", fix=_FIX),
        "embedding": Message("an embedding looked up with a {dtype} tensor raises 'Expected tensor for argument #1 "
                             f"'indices' to have one of the following scalar types: Long, Int'; {_FIX}", fix=_FIX),
    }
    expectation = Raises("IndexError", (
        r"tensors used as indices must be long, (int, )?byte or bool tensors",
    ))
    # The text test that keeps the linter fast: where an index function or an embedding meets a float maker,
    # and where a subscript meets a legacy float constructor (`torch.Tensor([0, 2])`, the classic case).
    triggers = ((r"index_select|gather\(|\.take\(|take_along_dim|index_(?:add|copy|fill)|scatter", _FLOAT_MAKERS),
                (r"[Ee]mbedding\(", _FLOAT_MAKERS),
                (r"\w\[", r"\b(?:Float|Double|Half)?Tensor\("))
    page = Page(
        pitfall="""\
Indices must be integers (or a boolean mask). A tensor made by a float factory
(`torch.Tensor([0, 2])`, `torch.zeros(n)`, `torch.linspace(...)`), converted with `.float()`, or computed
by true division (`torch.arange(n) / 2`) is floating point, and indexing with it fails.""",
        runtime="""\
`IndexError: tensors used as indices must be long, int, byte or bool tensors`;
`index_select`/`gather`/`scatter`: `RuntimeError: gather(): Expected dtype int32/int64 for index` (the
wording varies by function); an embedding:
`RuntimeError: Expected tensor for argument #1 'indices' to have one of the following scalar types:
Long, Int; but got torch.FloatTensor instead`.""",
        fix="""\
Convert the index with `.long()`, or make it integral from the start: `torch.tensor([0, 2])`,
`torch.zeros(n, dtype=torch.long)`, `torch.div(a, b, rounding_mode="floor")` or `a // b`.""",
        flagged="""\
`x[idx]` and `x[idx] = v` on a tensor `x` (also inside a tuple index: `x[:, idx]`),
`torch.index_select`/`gather`/`take`/`take_along_dim`/`index_add`/`index_copy`/`index_fill`/`scatter`
(and their method and in-place forms) and `nn.Embedding`/`nn.EmbeddingBag` modules built in the file and
`F.embedding`, where the index is a tensor of a known floating dtype: float factories (`torch.Tensor(...)`,
`torch.FloatTensor`, `randn`/`rand`/`zeros`/`ones`/`empty`/`full`/`linspace` without an integer `dtype=`),
`.float()`/`.double()`/`.half()`, `dtype=torch.float*`, true division (`torch.arange(n) / 2`), and what
the analysis carries them through (names, the file's own functions, shape-only and rounding ops). To stay
fast, a function is read for this rule when it shows a float maker (`.float()`, `dtype=torch.float*`,
`linspace`, a legacy constructor) beside an index function or an embedding, or a legacy constructor
(`torch.Tensor(...)`, `torch.FloatTensor(...)`) beside a subscript; elsewhere a float index is found only
in functions read for another rule.""",
        silent="""\
Integer and bool indices (`arange` of ints, `.long()`, `argmax`, `randperm`, comparisons,
`//`), indices of unknown dtype, Python numbers, and containers that are not tensors (a list or dict
indexed with a tensor is another matter).""",
    )

    def visit_Subscript(self, node: cst.Subscript, at: Facts) -> None:
        if at.value(node.value).kind is not Kind.TENSOR:
            return
        for element in node.slice:
            if isinstance(element.slice, cst.Index):
                dtype = _floating(at.value(element.slice.value))
                if dtype is not None:
                    self.report(node, "subscript", dtype=dtype)
                    return

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        func = node.func
        name = called_name(func)
        if name in _INDEX_METHODS or name in _FUNCTION_NAMES:
            qualname = at.qualname(func) or ""
            if qualname in _INDEX_FUNCTIONS:
                self._check_index(node, name, at.call_args(node).get(_INDEX_FUNCTIONS[qualname],
                                                                     _KEYWORDS.get(name, "index")))
                return
            if qualname in _EMBEDDING_FUNCTIONS:
                self._check_embedding(node, at.call_args(node).get(0, "input"))
                return
            if isinstance(func, cst.Attribute) and name in _INDEX_METHODS and at.value(func.value).kind is Kind.TENSOR:
                index = at.call_args(node).get(_INDEX_METHODS[name], _KEYWORDS.get(name, "index"))
                self._check_index(node, name, index)
                return
        module = at.value(func)
        if module.kind is Kind.MODULE and api.nn_layer(module.qualname) in _EMBEDDINGS:
            args = at.call_args(node)
            if not args.starred:
                self._check_embedding(node, args.get(0, "input"))

    def _check_index(self, node: cst.Call, name: str, index: Value | None) -> None:
        dtype = _floating(index)
        if dtype is not None:
            self.report(node, "index_argument", call=name, dtype=dtype)

    def _check_embedding(self, node: cst.Call, given: Value | None) -> None:
        dtype = _floating(given)
        if dtype is not None:
            self.report(node, "embedding", dtype=dtype)


def _floating(value: Value | None) -> str | None:
    """The dtype of a tensor known to be floating point, else None."""
    if value is None or value.kind is not Kind.TENSOR or value.dtype not in api.FLOAT_DTYPES:
        return None
    return value.dtype
