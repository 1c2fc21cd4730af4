"""Start positions of the few nodes that have findings, from one lightweight code generation.

LibCST's PositionProvider records a range for every node of the module (a large share of the cost on
big files). This recorder follows the same rules for starts, syntactic position first (inside a
parenthesized expression's own parentheses) and where code generation begins otherwise, but keeps
only the nodes asked for and counts lines without a regex. Should LibCST's internals change, the
public PositionProvider is used instead.
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


def start_positions(module: cst.Module, nodes: Collection[cst.CSTNode]) -> dict[int, Start]:
    """id(node) -> where the node starts, for each of `nodes` (all within `module`)."""
    wanted = {id(node) for node in nodes}
    if CodegenState is not None:
        try:
            recorder = _StartRecorder(module.default_indent, module.default_newline, wanted=wanted,
                                      pending=set(wanted))
            try:
                module._codegen(recorder)
            except _AllFound:
                pass
            found = {**recorder.provisional, **recorder.syntactic}
            if wanted <= found.keys():
                return found
        except Exception:  # noqa: BLE001 - fall back to the public, slower provider
            pass
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {id(node): (positions[node].start.line, positions[node].start.column) for node in nodes}


class _AllFound(Exception):
    """Every node asked for has been generated: the rest of the module need not be."""


if CodegenState is not None:

    @dataclass
    class _StartRecorder(CodegenState):
        wanted: set[int] = field(default_factory=set)
        pending: set[int] = field(default_factory=set)
        provisional: dict[int, Start] = field(default_factory=dict)
        syntactic: dict[int, Start] = field(default_factory=dict)
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
            if id(node) in self.pending:
                self.pending.discard(id(node))
                if not self.pending:
                    raise _AllFound

        def pop_trailing_newline(self) -> None:
            pass

        @contextmanager
        def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                      end_node: cst.CSTNode | None = None) -> Iterator[None]:
            if id(node) in self.wanted and start_node is None:
                self.syntactic.setdefault(id(node), (self.line, self.column))
            yield
