"""Which parts of a file need LibCST at all: top-level statements that can hold a pitfall, plus imports.

flake8 has already parsed the file with `ast`; its statement lines let us cut the file into regions
(top-level statements, merged where they share a line) and hand LibCST the module-level code and only
those functions and classes whose text contains a check's trigger. Names bound by the regions left out are forgotten by the analysis, so
skipping a region can only lose a finding, never invent one.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    start: int  # first line (1-based), decorators included
    end: int  # last line
    parse: bool  # module-level code, or a definition that holds a trigger: analysed
    bound: frozenset[str]  # names a skipped region binds at module level (forgotten)
    blank: tuple[tuple[int, int], ...] = ()  # line ranges inside it not worth parsing (trigger-less methods)

    def text(self, lines: Sequence[str]) -> str:
        """The region's source, with blanked methods replaced by empty lines (line numbers unchanged)."""
        chunk = list(lines[self.start - 1:self.end])
        for first, last in self.blank:
            chunk[first - self.start:last - self.start + 1] = ["\n"] * (last - first + 1)
        return "".join(chunk)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
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


def _is_decorator(source: str, offset: int) -> bool:
    """An `@` that starts its line (after indentation) is a decorator, not a matrix product."""
    line_start = source.rfind("\n", 0, offset) + 1
    return source[line_start:offset].strip() == ""


class Triggers:
    """Where each check's ingredients occur: a part of the file can hold a finding only if, for some
    check, every pattern of one of its groups matches on a line inside that part."""

    def __init__(self, source: str, groups: Sequence[Sequence[str]]) -> None:
        self.groups = [tuple(group) for group in groups]
        patterns = sorted({p for group in self.groups for p in group})
        self.lines = {p: trigger_lines(source, re.compile(p)) for p in patterns}

    def __bool__(self) -> bool:
        return any(all(self.lines[p] for p in group) for group in self.groups)

    def hit(self, start: int, end: int) -> bool:
        return any(all(_hit(self.lines[p], start, end) for p in group) for group in self.groups)


def trigger_lines(source: str, pattern: re.Pattern[str]) -> list[int]:
    """Line numbers (1-based) on which `pattern` matches (decorators never count as `@`)."""
    offsets = [m.start() for m in pattern.finditer(source)
               if not (source[m.start()] == "@" and _is_decorator(source, m.start()))]
    if not offsets:
        return []
    lines, line, position = [], 1, 0
    for offset in offsets:
        line += source.count("\n", position, offset)
        position = offset
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _hit(triggered: Sequence[int], start: int, end: int) -> bool:
    index = bisect.bisect_left(triggered, start)
    return index < len(triggered) and triggered[index] <= end


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
    attrs = set()
    for node in ast.walk(init):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and any(
                _hit(lines, node.lineno, node.end_lineno or node.lineno) for lines in triggered.lines.values()):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            attrs.update(t.attr for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name))
    return attrs


def _reads_self_attr(method: ast.AST, attrs: set[str]) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in attrs and isinstance(n.value, ast.Name)
               for n in ast.walk(method))


#: Module-level statements longer than this are skipped when they hold no trigger and name nothing
#: imported from the libraries the checks reason about (timm's thousand-line config dicts).
LARGE_STATEMENT_LINES = 20
ANALYSED_LIBRARIES = ("torch", "numpy", "array")


def library_names(tree: ast.Module) -> re.Pattern[str]:
    """A word pattern for the module-level names bound to torch, numpy or array imports."""
    names = set(ANALYSED_LIBRARIES)
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update((a.asname or a.name).split(".")[0] for a in node.names
                         if a.name.split(".")[0] in ANALYSED_LIBRARIES)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ANALYSED_LIBRARIES:
            names.update(a.asname or a.name for a in node.names)
    return re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, names))) + r")\b")


def plan(tree: ast.Module, triggered: Triggers, lines: Sequence[str] = ()) -> list[Region]:
    """Regions of the file in order; `parse` marks those worth a LibCST parse."""
    spans: list[tuple[int, int, bool, frozenset[str]]] = []
    nodes: list[list[ast.stmt]] = []
    libraries = library_names(tree) if lines else None
    for node in tree.body:
        start, end = _first_line(node), node.end_lineno or node.lineno
        # Module-level code passes facts from statement to statement: analysed, except a large
        # statement that names none of the analysed libraries. A function or class only sees
        # module-level names, so one without a trigger can be skipped whole.
        always = not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if always and libraries is not None and end - start >= LARGE_STATEMENT_LINES:
            always = libraries.search("".join(lines[start - 1:end])) is not None
        if spans and start <= spans[-1][1]:  # shares a line with the previous statement: one region
            prev = spans[-1]
            spans[-1] = (prev[0], max(prev[1], end), prev[2] or always, prev[3] | bound_names(node))
            nodes[-1].append(node)
        else:
            spans.append((start, end, always, bound_names(node)))
            nodes.append([node])
    regions = []
    for (start, end, always, bound), members in zip(spans, nodes):
        blank = blank_methods(members[0], triggered) if len(members) == 1 else ()
        regions.append(Region(start, end, always or triggered.hit(start, end), bound, blank))
    return regions
