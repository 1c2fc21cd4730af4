"""Frames and the flow queries over them: what reaches `.backward()`, what a store outlives.

A frame is a function body (or the module, or a class body) being interpreted. Name flows are kept as
syntax and read only when a check asks: most frames never need them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import libcst as cst

from .grad import GradState
from .syntax import dotted_name, names_in, target_root
from .values import UNKNOWN_VALUE, Kind, Value

if TYPE_CHECKING:
    from .facts import FunctionFacts


@dataclass
class Frame:
    env: dict[str, Value]
    parent: Frame | None
    grad: GradState
    function: str = ""  # the function's name ("" for the module and class bodies)
    owner: str = ""  # the name of the class the function is a method of
    scope: tuple[str, ...] = ()  # the names of the classes and functions around it, then its own
    loops: list[set[str]] = field(default_factory=list)  # names bound so far in each loop's iteration
    loop_entries: list[dict[str, Value]] = field(default_factory=list)  # facts entering each loop
    loop_models: list[bool] = field(default_factory=list)  # whether each loop's body runs a model
    backward_nodes: list[cst.CSTNode] = field(default_factory=list)  # what reaches .backward()
    returned_nodes: list[cst.CSTNode] = field(default_factory=list)  # what `return` statements read
    returned_values: list[Value] = field(default_factory=list)  # and the values they return
    generator: bool = False  # the function yields: a call returns a generator, not what it returns
    yielded_values: list[Value] = field(default_factory=list)  # what its `yield` expressions hand out
    flow_nodes: list[tuple[cst.CSTNode, str]] = field(default_factory=list)  # (source expression, sink name)
    deferred: list[Callable[[FunctionFacts], None]] = field(default_factory=list)  # run when finished
    computed: set[str] = field(default_factory=set)  # names bound to a grad-enabled op's result
    graph_inputs: set[str] = field(default_factory=set)  # dotted names earlier statements fed to grad-enabled ops
    statement_inputs: set[str] = field(default_factory=set)  # the same, for the statement being interpreted
    inplace_names: set[str] = field(default_factory=set)  # dotted names changed in place (`x.add_(1)`, `x += 1`)
    rebound: set[str] = field(default_factory=set)  # names bound, or whose facts changed, in the body
    entry: dict[str, Value] = field(default_factory=dict)  # the names bound when the body starts (parameters)

    def lookup(self, name: str) -> Value | None:
        frame: Frame | None = self
        while frame is not None:
            value = frame.env.get(name)
            if value is not None:
                return value
            frame = frame.parent
        return None

    # ---- flow queries (FunctionFacts) ---------------------------------------------------------

    @cached_property
    def backward_names(self) -> set[str]:
        """Names read by expressions that are backpropagated."""
        return set().union(*(names_in(node) for node in self.backward_nodes))

    @cached_property
    def returned_names(self) -> set[str]:
        return set().union(*(names_in(node) for node in self.returned_nodes))

    @cached_property
    def detached_names(self) -> set[str]:
        """Names the function rebinds to a detached copy somewhere (`loss = loss.detach()`)."""
        return {sink for source, sink in self.flow_nodes
                if isinstance(source, cst.Call) and isinstance(source.func, cst.Attribute)
                and source.func.attr.value == "detach"}

    @cached_property
    def flows(self) -> dict[str, set[str]]:
        """name -> names its value flows into (through assignments and appends)."""
        flows: dict[str, set[str]] = {}
        for node, sink in self.flow_nodes:
            if _leaves_the_graph(node):
                continue  # `history.append(loss.item())`: a number, no tensor, flows on
            for source in names_in(node):
                if source != sink:
                    flows.setdefault(source, set()).add(sink)
        return flows

    def reaches_backward(self) -> set[str]:
        """Names whose values flow (through assignments and appends) into a backpropagated value."""
        return self._reaching(self.backward_names)

    def reaches_return(self) -> set[str]:
        """Names whose values flow into what the function returns (`part` in `total += part; return total`)."""
        return self._reaching(self.returned_names)

    def _reaching(self, ends: set[str]) -> set[str]:
        into: dict[str, set[str]] = {}
        for source, sinks in self.flows.items():
            for sink in sinks:
                into.setdefault(sink, set()).add(source)
        reached = set(ends)
        pending = list(reached)
        while pending:
            for source in into.get(pending.pop(), ()):
                if source not in reached:
                    reached.add(source)
                    pending.append(source)
        return reached


#: Calls whose result keeps nothing of a tensor's graph.
_GRAPH_EXITS = frozenset({"item", "tolist", "detach", "numpy"})
_NUMBER_CALLS = frozenset({"float", "int", "bool", "str"})


def _leaves_the_graph(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call):
        return False
    func = node.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in _GRAPH_EXITS
    return isinstance(func, cst.Name) and func.value in _NUMBER_CALLS


def outlives_iteration(frame: Frame, target: cst.BaseExpression, value_of: Callable[[cst.CSTNode], Value]) -> bool:
    """Whether a store into `target` survives the current loop iteration (or the call, for self).

    Not when the accumulator was bound afresh earlier in this iteration (`self.loss = zero()`
    at the top of the loop body): what it holds is dropped when the next iteration rebinds it.
    """
    root = target_root(target)
    accumulator = dotted_name(root)
    if frame.loops and accumulator is not None and accumulator in frame.loops[-1]:
        return False
    while isinstance(root, cst.Attribute):
        root = root.value
    if not isinstance(root, cst.Name):
        return False
    if value_of(root).kind is Kind.SELF or (frame.lookup(root.value) or UNKNOWN_VALUE).kind is Kind.SELF:
        return True
    return bool(frame.loops) and root.value not in frame.loops[-1]


def value_entering_loop(frame: Frame, name: str) -> Value:
    """The (joined) facts about `name` at the top of the innermost loop's iteration."""
    if not frame.loop_entries:
        return frame.lookup(name) or UNKNOWN_VALUE
    return frame.loop_entries[-1].get(name) or frame.lookup(name) or UNKNOWN_VALUE
