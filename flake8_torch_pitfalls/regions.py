"""Which parts of a file need LibCST at all: top-level statements that can hold a pitfall, plus imports.

flake8 has already parsed the file with `ast`; its statement lines let us cut the file into regions
(top-level statements, merged where they share a line) and hand LibCST the module-level code and only
those functions and classes whose text contains a check's trigger. Names bound by the regions left out
are forgotten by the analysis, so skipping a region can only lose a finding, never invent one.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


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


def _starts_line(source: str, offset: int) -> bool:
    """Whether only indentation precedes `offset` on its line (an `@` there is a decorator)."""
    line_start = source.rfind("\n", 0, offset) + 1
    return source[line_start:offset].strip() == ""


class Triggers:
    """Where each check's ingredients occur: a part of the file can hold a finding only if, for some
    check, every pattern of one of its groups matches on a line inside that part.

    Patterns are searched lazily, in group order: a group whose first pattern never matches costs
    one search (so put the rarest pattern first)."""

    def __init__(self, source: str, groups: Sequence[Sequence[str]]) -> None:
        self.source = source
        self.groups = [tuple(group) for group in groups]
        self._offsets: dict[str, list[int]] = {}
        self._lines: dict[str, list[int]] = {}
        self.active = [group for group in self.groups if all(self._matches(p) for p in group)]

    def _matches(self, pattern: str) -> list[int]:
        found = self._offsets.get(pattern)
        if found is None:
            found = sorted(set().union(*(match_offsets(self.source, regex, at_line_start)
                                         for regex, at_line_start in _compiled(pattern))))
            self._offsets[pattern] = found
        return found

    def lines(self, pattern: str) -> list[int]:
        """Line numbers (1-based) on which `pattern` matches."""
        found = self._lines.get(pattern)
        if found is None:
            found = self._lines[pattern] = offset_lines(self.source, self._matches(pattern))
        return found

    def outside_prose(self, tree: ast.Module, lines: Sequence[str]) -> Triggers:
        """Forget matches in comments and docstrings (`# the loss ...`): a word there is no code."""
        docstring_lines = prose_lines(tree, lines)
        for pattern, offsets in self._offsets.items():
            self._offsets[pattern] = [o for o in offsets if not _in_comment(self.source, o)]
        self._lines = {}
        if docstring_lines:
            for pattern in self._offsets:
                self._lines[pattern] = [line for line in self.lines(pattern) if line not in docstring_lines]
        self.active = [group for group in self.active if all(self.lines(p) for p in group)]
        return self

    def __bool__(self) -> bool:
        return bool(self.active)

    def hit(self, start: int, end: int) -> bool:
        return any(all(_hit(self.lines(p), start, end) for p in group) for group in self.active)

    def hit_any_pattern(self, start: int, end: int) -> bool:
        """Whether any pattern of a group that can match in this file matches on these lines."""
        return any(_hit(self.lines(p), start, end) for group in self.active for p in group)


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """One regex per top-level alternative: `re` finds a literal-led pattern with a fast substring
    search, but scans an alternation (`transpose|permute|...`) character by character, ten times slower.
    An alternative that starts with `^` must start its line after indentation (`^for\\s`: a loop
    statement); that is checked behind each match, for the same reason."""
    return tuple((re.compile(alternative.removeprefix("^")), alternative.startswith("^"))
                 for alternative in top_level_alternatives(pattern))


def top_level_alternatives(pattern: str) -> list[str]:
    """`a|b(c|d)|[|]` -> `a`, `b(c|d)`, `[|]`: splits at the bars outside groups and classes."""
    parts, current, depth, in_class, escaped = [], [], 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def match_offsets(source: str, pattern: re.Pattern[str], at_line_start: bool = False) -> list[int]:
    """Where `pattern` matches (decorators never count as `@`), only at line starts if asked."""
    return [m.start() for m in pattern.finditer(source)
            if (_starts_line(source, m.start()) if at_line_start
                else not (source[m.start()] == "@" and _starts_line(source, m.start())))]


def offset_lines(source: str, offsets: Sequence[int]) -> list[int]:
    """The distinct line numbers (1-based) of ascending offsets."""
    lines: list[int] = []
    line, position = 1, 0
    for offset in offsets:
        line += source.count("\n", position, offset)
        position = offset
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _in_comment(source: str, offset: int) -> bool:
    """After a `#` that no open quote precedes on its line (a quote inside a string makes this answer
    no, which only keeps a match)."""
    line_start = source.rfind("\n", 0, offset) + 1
    hash_at = source.find("#", line_start, offset)
    if hash_at < 0:
        return False
    return source.count('"', line_start, hash_at) % 2 == 0 and source.count("'", line_start, hash_at) % 2 == 0


_STRING_START = re.compile(r"[rRbBuU]{0,2}(\"\"\"|\'\'\'|\"|\')")


def prose_lines(tree: ast.Module, lines: Sequence[str]) -> set[int]:
    """Lines that hold nothing but a docstring (or another string used as a statement)."""
    prose: set[int] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, ()):
                if isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant) and isinstance(
                        child.value.value, str):
                    first, last = child.lineno, child.end_lineno or child.lineno
                    prose.update(range(first + 1, last))
                    if _STRING_START.match(lines[first - 1].lstrip()) and lines[last - 1].rstrip().endswith(("'", '"')):
                        prose.update((first, last))
                elif isinstance(child, ast.AST):
                    stack.append(child)
    return prose


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
