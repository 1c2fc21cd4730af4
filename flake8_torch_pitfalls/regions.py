"""Which parts of a file need LibCST at all: top-level statements that can hold a pitfall, plus imports.

flake8 has already parsed the file with `ast`; its statement lines let us cut the file into regions
(top-level statements, merged where they share a line) and hand LibCST the module-level code and only
those functions and classes whose text contains a subscriber's trigger (triggers.py). Names bound by the
regions left out are forgotten by the analysis, so skipping a region can only lose a finding, never
invent one.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .triggers import Triggers


@dataclass(frozen=True)
class Region:
    start: int  # first line (1-based), decorators included
    end: int  # last line
    parse: bool  # module-level code, or a definition that holds a trigger: analysed
    statements: tuple[ast.stmt, ...]  # the top-level statements it spans
    blank: tuple[tuple[int, int], ...] = ()  # line ranges inside it not worth parsing (trigger-less methods)

    def imports(self) -> tuple[ast.Import | ast.ImportFrom, ...] | None:
        """The statements, when they are all imports (bindings `ast` reads as well as LibCST)."""
        found = tuple(s for s in self.statements if isinstance(s, (ast.Import, ast.ImportFrom)))
        return found if len(found) == len(self.statements) else None

    def bound(self) -> frozenset[str]:
        """Names the region binds at module level: forgotten when it is skipped (or LibCST rejects it)."""
        return frozenset().union(*map(bound_names, self.statements))

    def text(self, lines: Sequence[str]) -> str:
        """The region's source, with blanked methods replaced by empty lines (line numbers unchanged)."""
        chunk = list(lines[self.start - 1:self.end])
        for first, last in self.blank:
            chunk[first - self.start:last - self.start + 1] = ["\n"] * (last - first + 1)
        return "".join(chunk)


def _first_line(node: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def bound_names(node: ast.stmt) -> frozenset[str]:
    """Names a top-level statement binds in the module namespace."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return frozenset({node.name})
    names: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(current.name)
            continue
        if isinstance(current, ast.Name) and isinstance(current.ctx, ast.Store):
            names.add(current.id)
        elif isinstance(current, ast.alias):
            names.add((current.asname or current.name).split(".")[0])
        elif isinstance(current, ast.ExceptHandler) and current.name:
            names.add(current.name)
        stack.extend(ast.iter_child_nodes(current))
    return frozenset(names)


def blank_methods(node: ast.stmt, triggered: Triggers) -> tuple[tuple[int, int], ...]:
    """Methods of a class that hold no trigger: nothing to find there, and (but for `__init__`, which
    sets the `self.` facts other methods read) nothing other methods depend on."""
    if not isinstance(node, ast.ClassDef):
        return ()
    methods = [item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
    carried = {attr for item in methods if item.name == "__init__" for attr in _triggered_self_attrs(item, triggered)}
    ranges = []
    for item in methods:
        if item.name == "__init__":
            continue
        start, end = _first_line(item), item.end_lineno or item.lineno
        if not triggered.hit(start, end) and not (carried and _reads_self_attr(item, carried)):
            ranges.append((start, end))
    return tuple(ranges)


def _triggered_self_attrs(init: ast.AST, triggered: Triggers) -> set[str]:
    """`self.x` set in `__init__` on a triggered line (`self.criterion = nn.MSELoss()`)."""
    attrs: set[str] = set()
    for node in ast.walk(init):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and triggered.hit_any_pattern(
                node.lineno, node.end_lineno or node.lineno):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            attrs.update(t.attr for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name))
    return attrs


def _reads_self_attr(method: ast.AST, attrs: set[str]) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in attrs and isinstance(n.value, ast.Name)
               for n in ast.walk(method))


#: Module-level statements longer than this are skipped when they hold no trigger and name nothing
#: imported from the libraries the checks reason about (timm's thousand-line config dicts, `__all__`).
LARGE_STATEMENT_LINES = 20
ANALYSED_LIBRARIES = ("torch", "numpy", "array")


def library_names(tree: ast.Module) -> frozenset[str]:
    """The module-level names bound to torch, numpy or array imports."""
    names = set(ANALYSED_LIBRARIES)
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names
                         if a.name.split(".")[0] in ANALYSED_LIBRARIES)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ANALYSED_LIBRARIES:
            names.update(a.asname or a.name for a in node.names)
    return frozenset(names)


def _names_any(node: ast.AST, names: frozenset[str]) -> bool:
    """Whether the code of `node` (not its strings) names one of `names`."""
    return any(isinstance(child, ast.Name) and child.id in names for child in ast.walk(node))


def _is_bare_string(node: ast.stmt) -> bool:
    """A module docstring or another constant used as a statement: it binds and does nothing."""
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


#: LibCST's native parser holds about 600 bytes per character of the text it parses, so one
#: 10,000-line data table (torch's `op_db`) would cost 400 MiB. Larger pieces are split (a class: its
#: `__init__` with a few methods at a time) or else skipped like trigger-less code.
MAX_PARSED_CHARS = 150_000


def plan(tree: ast.Module, triggered: Triggers, lines: Sequence[str]) -> list[Region]:
    """Regions of the file in order; `parse` marks those worth a LibCST parse."""
    spans: list[tuple[int, int, bool]] = []
    nodes: list[list[ast.stmt]] = []
    libraries = library_names(tree)
    for node in tree.body:
        start, end = _first_line(node), node.end_lineno or node.lineno
        # Module-level code passes facts from statement to statement: analysed, except a bare string
        # and a large statement that names none of the analysed libraries. A function or class only
        # sees module-level names, so one without a trigger can be skipped whole.
        definition = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        always = not definition and not _is_bare_string(node)
        if always and end - start >= LARGE_STATEMENT_LINES:
            always = _names_any(node, libraries)
        if spans and start <= spans[-1][1]:  # shares a line with the previous statement: one region
            prev = spans[-1]
            spans[-1] = (prev[0], max(prev[1], end), prev[2] or always)
            nodes[-1].append(node)
        else:
            spans.append((start, end, always))
            nodes.append([node])
    regions = []
    sizes = _LineSizes(lines) if len(triggered.source) > MAX_PARSED_CHARS else None  # else every piece fits
    for (start, end, always), members in zip(spans, nodes):
        parse = always or (triggered.hit(start, end) and not all(map(_is_bare_string, members)))
        blank = blank_methods(members[0], triggered) if parse and len(members) == 1 else ()
        region = Region(start, end, parse, tuple(members), blank)
        regions.extend(_within_parse_limit(region, sizes) if parse and sizes is not None else [region])
    return regions


class _LineSizes:
    """Characters in a line range, from prefix sums computed once."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.ends = list(itertools.accumulate(map(len, lines)))

    def chars(self, start: int, end: int) -> int:
        return self.ends[end - 1] - (self.ends[start - 2] if start > 1 else 0)

    def parsed(self, region: Region, blank: Iterable[tuple[int, int]]) -> int:
        """Length of the region's text with `blank` ranges emptied."""
        return self.chars(region.start, region.end) - sum(self.chars(a, b) - (b - a + 1) for a, b in blank)


def _within_parse_limit(region: Region, sizes: _LineSizes) -> list[Region]:
    """The region, or pieces of it that each parse within MAX_PARSED_CHARS (a class keeps its other
    statements and `__init__` in every piece), or the region skipped when no piece can."""
    if sizes.parsed(region, region.blank) <= MAX_PARSED_CHARS:
        return [region]
    skipped = [dataclasses.replace(region, parse=False, blank=())]
    node = region.statements[0]
    if not isinstance(node, ast.ClassDef) or len(region.statements) > 1:
        return skipped
    analysed = [span for span in _method_spans(node) if span not in region.blank]
    base = sizes.parsed(region, [*region.blank, *analysed])
    if base > MAX_PARSED_CHARS:
        return skipped
    pieces: list[list[tuple[int, int]]] = [[]]
    room = MAX_PARSED_CHARS - base
    for span in analysed:
        size = sizes.chars(*span)
        if size > MAX_PARSED_CHARS - base:
            continue  # a method that alone is too large: left out of every piece
        if size > room:
            pieces.append([])
            room = MAX_PARSED_CHARS - base
        pieces[-1].append(span)
        room -= size
    return [dataclasses.replace(region, blank=(*region.blank, *(s for s in analysed if s not in piece)))
            for piece in pieces]


def _method_spans(node: ast.ClassDef) -> list[tuple[int, int]]:
    """Line spans of the methods but `__init__`, in this class and the classes nested in it."""
    spans = []
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name != "__init__":
            spans.append((_first_line(item), item.end_lineno or item.lineno))
        elif isinstance(item, ast.ClassDef):
            spans += _method_spans(item)
    return spans
