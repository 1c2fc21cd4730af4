"""TPF004: `torch.from_numpy()` on something that is not a `numpy.ndarray`."""

from __future__ import annotations

import libcst as cst

from ..analysis import other_libraries as libs
from ..analysis.facts import Facts
from ..analysis.values import Kind
from .base import Check
from .declaration import Message, Page, Raises

#: What `from_numpy` raises on, by provenance (the kind's value is the type name torch reports).
_NOT_NDARRAY = frozenset({Kind.STDLIB_ARRAY, Kind.LIST, Kind.TUPLE, Kind.SET, Kind.DICT, Kind.RANGE, Kind.STR,
                          Kind.BYTES})
_FIX = "use torch.tensor(...) (or convert with np.asarray(...) first)"
_OBJECT_FIX = "convert it first (`.to_numpy()` for pandas, `np.asarray(image)` for PIL)"
_ENV_FIX = "unpack it first (`obs, info = env.reset()`; `obs, reward, terminated, truncated, info = env.step(a)`)"


class FromNumpyOnNonNdarray(Check):
    code = "TPF004"
    one_run = True  # it raises on the run that reaches it: a loop's first iteration is enough
    title = "`torch.from_numpy()` on something that is not a `numpy.ndarray`"
    summary = "`torch.from_numpy()` on a non-ndarray (`array.array`, list, ...)"
    fix_summary = "`torch.tensor(x)` or `np.asarray(x)` first"
    messages = {
        "not_ndarray": Message("torch.from_numpy() accepts only numpy.ndarray and raises "
                               f"'expected np.ndarray (got {{got}})'; {_FIX}", fix=_FIX),
        "library_object": Message("torch.from_numpy() accepts only numpy.ndarray and raises "
                                  f"'expected np.ndarray (got {{got}})'; {_OBJECT_FIX}", fix=_OBJECT_FIX),
        "env_tuple": Message("torch.from_numpy() of what {call}() returns raises 'expected np.ndarray (got "
                             f"tuple)': since gym 0.26 (and in gymnasium) it returns a tuple; {_ENV_FIX}",
                             fix=_ENV_FIX),
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
`range(...)`, a str/bytes literal, or a name bound to one (also when a function of the file returns it, or
it is an element of a list or a slice of an `array.array`). Other libraries' objects too: what a gym /
gymnasium environment's `reset()` or `step()` returns (a tuple since gym 0.26; the message says to unpack
it), a pandas `DataFrame` or a column of one (`df["x"]`, a `Series`; `.values` and `.to_numpy()` are
arrays), a PIL image. It raises on the run that reaches it, so a loop's first iteration is enough: `obs =
env.reset()` before a loop whose later steps rebind `obs` from `env.step()` is flagged where the first step
converts it, also inside a function or method of the file that the first step calls with it
(`agent.act(obs)`). `torch.from_numpy` is recognised through every import style (`import torch as th`,
`from torch import from_numpy as fn`).""",
        silent="""\
numpy results (`np.array`, `np.asarray`, `np.frombuffer`, `np.load`,
`from numpy import array`, `.astype(...)`), values the analysis cannot see, and names that shadow the
API (a parameter called `torch`).""",
    )

    def visit_Call(self, node: cst.Call, at: Facts) -> None:
        if at.qualname(node.func) != "torch.from_numpy":
            return
        argument = at.call_args(node).get(0)
        if argument is None:
            return
        source = argument.qualname or ""
        if argument.kind is Kind.TUPLE and source in libs.TUPLE_SOURCES.values():
            self.report(node, "env_tuple", call=f"env.{source.rsplit('.', 1)[1]}")
        elif argument.kind in _NOT_NDARRAY:
            self.report(node, "not_ndarray", got=argument.kind.value)
        elif argument.kind is Kind.OBJECT and argument.qualname in libs.TYPE_NAMES:
            self.report(node, "library_object", got=libs.TYPE_NAMES[argument.qualname])
