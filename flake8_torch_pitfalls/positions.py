"""Ranges of the few nodes that have findings, from one lightweight code generation.

LibCST's PositionProvider records a range for every node of the module (a large share of the cost on
big files). This recorder follows the same rules, syntactic position first (inside a parenthesized
expression's own parentheses) and where code generation begins and ends otherwise, but keeps only the
nodes asked for and counts lines without a regex. Should LibCST's internals change, the public
PositionProvider is used instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

try:
    from libcst._nodes.internal import CodegenState
except ImportError:  # pragma: no cover - a LibCST without this internal: use the public provider
    CodegenState = None  # type: ignore[assignment,misc]

Start = tuple[int, int]  # 1-based line, 0-based column
Span = tuple[Start, Start]  # where a node starts, and where it ends (exclusive)


def spans(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[int, Span]:
    """id(node) -> where the node starts and ends, for each of `nodes` (all within `module`)."""
    wanted = {id(node) for node in nodes}
    if CodegenState is not None:
        try:
            recorder = _SpanRecorder(module.default_indent, module.default_newline, wanted=wanted,
                                     pending=set(wanted))
            try:
                module._codegen(recorder)
            except _AllFound:
                pass
            starts = {**recorder.provisional, **recorder.syntactic}
            ends = {**recorder.provisional_end, **recorder.syntactic_end}
            if wanted <= starts.keys() and wanted <= ends.keys():
                return {key: (starts[key], ends[key]) for key in wanted}
        except Exception:  # noqa: BLE001 - fall back to the public, slower provider
            pass
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {id(node): ((positions[node].start.line, positions[node].start.column),
                       (positions[node].end.line, positions[node].end.column)) for node in nodes}


class _AllFound(Exception):
    """Every node asked for has been generated: the rest of the module need not be."""


if CodegenState is not None:

    @dataclass
    class _SpanRecorder(CodegenState):
        wanted: set[int] = field(default_factory=set)
        pending: set[int] = field(default_factory=set)
        provisional: dict[int, Start] = field(default_factory=dict)
        syntactic: dict[int, Start] = field(default_factory=dict)
        provisional_end: dict[int, Start] = field(default_factory=dict)
        syntactic_end: dict[int, Start] = field(default_factory=dict)
        end_wanted: set[int] = field(default_factory=set)  # children whose end is a wanted node's end
        line: int = 1
        column: int = 0

        def add_indent_tokens(self) -> None:
            for token in self.indent_tokens:
                self.add_token(token)

        def add_token(self, value: str) -> None:
            newlines = value.count("\n") or value.count("\r")
            if newlines:
                self.line += newlines
                self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1
            else:
                self.column += len(value)

        def before_codegen(self, node: cst.CSTNode) -> None:
            if id(node) in self.wanted:
                self.provisional.setdefault(id(node), (self.line, self.column))

        def after_codegen(self, node: cst.CSTNode) -> None:
            if id(node) in self.wanted or id(node) in self.end_wanted:
                self.provisional_end.setdefault(id(node), (self.line, self.column))
            if id(node) in self.pending:
                self.pending.discard(id(node))
                if not self.pending:
                    raise _AllFound

        def pop_trailing_newline(self) -> None:
            pass

        @contextmanager
        def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                      end_node: cst.CSTNode | None = None) -> Iterator[None]:
            wanted = id(node) in self.wanted
            if wanted and start_node is None:
                self.syntactic.setdefault(id(node), (self.line, self.column))
            if wanted and end_node is not None:
                self.end_wanted.add(id(end_node))  # the node ends where that child does
            yield
            if wanted or id(node) in self.end_wanted:
                end = (self.line, self.column) if end_node is None else self._end_of(end_node)
                if end is not None:
                    self.syntactic_end.setdefault(id(node), end)

        def _end_of(self, node: cst.CSTNode) -> Start | None:
            return self.syntactic_end.get(id(node), self.provisional_end.get(id(node)))
