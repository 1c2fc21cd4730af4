"""How deeply a region's expressions nest, where that can bound LibCST's parse.

LibCST's parser takes time quadratic in the depth of a chain (a 2,000-deep subscript chain
`x[0][0]...` is seconds; a method chain of 1,000 calls as long), while Python's own parser takes it in
stride. No real code nests hundreds of levels deep, so a region that does is not handed to LibCST:
it is reported as not checked, with the depth, like a part LibCST rejects.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Sequence

#: The deepest expression handed to LibCST (a 400-call method chain is 808 levels): under a second of
#: parsing, where the 2,892-deep subscript chain takes 7 s.
MAX_NESTING = 1000
#: The chains that are slow to parse spend at least two characters per level (`[0]`, `()`, `.a`, `+1`),
#: so only a statement this long can exceed MAX_NESTING and is measured.
_SHORTEST_DEEP_STATEMENT = 2 * MAX_NESTING
_BODIES = ("body", "orelse", "finalbody", "handlers", "cases")


class LineExtents:
    """Characters from one line's start to another's end, from prefix sums made once per file, on first use."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self._ends: list[int] | None = None

    def chars(self, first: int, last: int) -> int:
        if self._ends is None:
            self._ends = list(itertools.accumulate(map(len, self.lines)))
        last = min(last, len(self._ends))
        if last < first or first < 1:
            return 0
        return self._ends[last - 1] - (self._ends[first - 2] if first > 1 else 0)


def too_deep(statements: Sequence[ast.stmt], extents: LineExtents) -> int | None:
    """The nesting depth of the deepest expression in `statements`, when it exceeds MAX_NESTING.

    A statement's text holds its nested statements' texts, so one shorter than a deep chain needs is
    skipped whole: most regions walk only their few top statements."""
    stack = list(statements)
    while stack:
        node = stack.pop()
        end = node.end_lineno or node.lineno
        if extents.chars(node.lineno, end) < _SHORTEST_DEEP_STATEMENT:
            continue
        nested = _nested(node)
        if nested:
            stack.extend(nested)
            end = min(child.lineno for child in nested)  # a compound statement's own text: its header
            if extents.chars(node.lineno, end) < _SHORTEST_DEEP_STATEMENT:
                continue
        depth = _depth(node)
        if depth > MAX_NESTING:
            return depth
    return None


def _nested(node: ast.stmt) -> list[ast.stmt]:
    """The statements in a compound statement's bodies (an except handler's or a match case's too)."""
    found: list[ast.stmt] = []
    for field in _BODIES:
        for child in getattr(node, field, ()):
            if isinstance(child, ast.stmt):
                found.append(child)
            else:
                found.extend(grandchild for name in _BODIES for grandchild in getattr(child, name, ()))
    return found


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
