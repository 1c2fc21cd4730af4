"""TPF004: `torch.from_numpy()` on something that is not a `numpy.ndarray`."""

from __future__ import annotations

import libcst as cst

from ..analysis.facts import Facts
from ..analysis.values import Kind
from .base import Check
from .declaration import Message, Page, Raises

#: What `from_numpy` raises on, by provenance (the kind's value is the type name torch reports).
_NOT_NDARRAY = frozenset({Kind.STDLIB_ARRAY, Kind.LIST, Kind.TUPLE, Kind.SET, Kind.DICT, Kind.RANGE, Kind.STR,
                          Kind.BYTES})
_FIX = "use torch.tensor(...) (or convert with np.asarray(...) first)"


class FromNumpyOnNonNdarray(Check):
    code = "TPF004"
    title = "`torch.from_numpy()` on something that is not a `numpy.ndarray`"
    summary = "`torch.from_numpy()` on a non-ndarray (`array.array`, list, ...)"
    fix_summary = "`torch.tensor(x)` or `np.asarray(x)` first"
    messages = {
        "not_ndarray": Message("torch.from_numpy() accepts only numpy.ndarray and raises "
                               f"'expected np.ndarray (got {{got}})'; {_FIX}", fix=_FIX),
    }
    expectation = Raises("TypeError", (r"expected np\.ndarray \(got [\w.]+\)",))
    triggers = ((r"from_numpy",),)
    page = Page(
        pitfall="""\
`torch.from_numpy()` shares memory with a numpy array and accepts nothing else — not
the standard library's `array.array`, not lists, tuples, ranges or strings.""",
        runtime="""\
`TypeError: expected np.ndarray (got array.array)` (or `got list`,
`got tuple`, ...).""",
        fix="""\
`torch.tensor(x)` (copies), or convert first: `torch.from_numpy(np.asarray(x))`.""",
        flagged="""\
The argument is an `array.array(...)` however imported (`import array`,
`from array import array as A`), a list/tuple/set/dict literal or comprehension, `list(...)`/`tuple(...)`,
`range(...)`, a str/bytes literal, or a name bound to one. `torch.from_numpy` is recognised through every
import style (`import torch as th`, `from torch import from_numpy as fn`).""",
        silent="""\
numpy results (`np.array`, `np.asarray`, `np.frombuffer`, `np.load`,
`from numpy import array`, `.astype(...)`), values the analysis cannot see, and names that shadow the
API (a parameter called `torch`).""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        if at.qualname(node.func) != "torch.from_numpy":
            return
        argument = at.call_args(node).get(0)
        if argument is not None and argument.kind in _NOT_NDARRAY:
            self.report(node, "not_ndarray", got=argument.kind.value)
