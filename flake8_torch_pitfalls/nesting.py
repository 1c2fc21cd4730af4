"""How deeply a region's expressions nest, where that can bound LibCST's parse.

LibCST's parser takes time quadratic in the depth of a chain (a 2,000-deep subscript chain
`x[0][0]...` is seconds; a method chain of 1,000 calls as long), while Python's own parser takes it in
stride. No real code nests hundreds of levels deep, so a region that does is not handed to LibCST:
it is reported as not checked, with the depth, like a part LibCST rejects.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator, Sequence

#: The deepest expression handed to LibCST (a 400-call method chain is 808 levels): under a second of
#: parsing, where the 2,892-deep subscript chain takes 7 s.
MAX_NESTING = 1000
#: The chains that are slow to parse spend at least two characters per level (`[0]`, `()`, `.a`, `+1`),
#: so only a statement this long can exceed MAX_NESTING and is measured.
_SHORTEST_DEEP_STATEMENT = 2 * MAX_NESTING
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


class _Extents:
    """Characters from one line's start to another's end, from prefix sums made on first use."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self._ends: list[int] | None = None

    def chars(self, first: int, last: int) -> int:
        if first == last:
            return len(self.lines[first - 1]) if 0 < first <= len(self.lines) else 0
        if self._ends is None:
            self._ends = list(itertools.accumulate(map(len, self.lines)))
        last = min(last, len(self._ends))
        return self._ends[last - 1] - (self._ends[first - 2] if first > 1 else 0)


def too_deep(statements: Sequence[ast.stmt], lines: Sequence[str]) -> int | None:
    """The nesting depth of the deepest expression in `statements`, when it exceeds MAX_NESTING."""
    first, last = statements[0].lineno, statements[-1].end_lineno or statements[-1].lineno
    if sum(map(len, lines[first - 1:last])) < _SHORTEST_DEEP_STATEMENT:  # most regions: nothing to walk
        return None
    extents = _Extents(lines)
    for node, header_end in _statements(statements):
        if extents.chars(node.lineno, header_end) < _SHORTEST_DEEP_STATEMENT:
            continue
        depth = _depth(node)
        if depth > MAX_NESTING:
            return depth
    return None


def _statements(statements: Sequence[ast.stmt]) -> Iterator[tuple[ast.stmt, int]]:
    """Every statement, nested ones included, with the last line of its own text (a compound
    statement's header ends where its first body statement begins)."""
    stack = list(statements)
    while stack:
        node = stack.pop()
        nested = [child for field in _BODIES for child in getattr(node, field, ())]
        if not nested:
            yield node, node.end_lineno or node.lineno
            continue
        yield node, min(child.lineno for child in nested)
        for child in nested:
            if isinstance(child, ast.stmt):
                stack.append(child)
            else:  # an except handler or a match case: its own body holds the statements
                stack.extend(grandchild for field in _BODIES for grandchild in getattr(child, field, ()))


def _depth(node: ast.stmt) -> int:
    """How deep the statement's own expressions nest (its nested statements are measured apart)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(child, 1) for field, value in ast.iter_fields(node)
                                        if field not in _BODIES
                                        for child in (value if isinstance(value, list) else [value])
                                        if isinstance(child, ast.AST)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(current))
    return deepest
