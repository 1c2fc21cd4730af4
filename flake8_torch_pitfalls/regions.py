"""Which parts of a file need LibCST at all: top-level statements that can hold a pitfall, plus imports.

flake8 has already parsed the file with `ast`; its statement lines let us cut the file into regions
(top-level statements, merged where they share a line) and hand LibCST the module-level code and only
those functions and classes whose text contains a check's trigger. Names bound by the regions left out are forgotten by the analysis, so
skipping a region can only lose a finding, never invent one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    start: int  # first line (1-based), decorators included
    end: int  # last line
    parse: bool  # module-level code, or a definition that holds a trigger: analysed
    bound: frozenset[str]  # names a skipped region binds at module level (forgotten)


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


def plan(tree: ast.Module, triggered: Sequence[int]) -> list[Region]:
    """Regions of the file in order; `parse` marks those worth a LibCST parse."""
    spans: list[tuple[int, int, bool, frozenset[str]]] = []
    for node in tree.body:
        start, end = _first_line(node), node.end_lineno or node.lineno
        # Module-level code passes facts from statement to statement: always analysed. A function or
        # class only sees module-level names, so one without a trigger can be skipped whole.
        always = not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if spans and start <= spans[-1][1]:  # shares a line with the previous statement: one region
            prev = spans[-1]
            spans[-1] = (prev[0], max(prev[1], end), prev[2] or always, prev[3] | bound_names(node))
        else:
            spans.append((start, end, always, bound_names(node)))
    regions = []
    index = 0
    for start, end, always, bound in spans:
        while index < len(triggered) and triggered[index] < start:
            index += 1
        hit = index < len(triggered) and triggered[index] <= end
        regions.append(Region(start, end, hit or always, bound))
    return regions


def compile_triggers(patterns: Iterable[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))
