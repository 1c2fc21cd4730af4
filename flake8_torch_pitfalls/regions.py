"""Which parts of a file need LibCST at all: top-level statements that can hold a pitfall, plus imports.

flake8 has already parsed the file with `ast`; its statement lines let us cut the file into regions
(top-level statements, merged where they share a line) and hand LibCST the module-level code and only
those functions and classes whose text contains a subscriber's trigger (triggers.py). Names bound by the
regions left out are forgotten by the analysis, so skipping a region can only lose a finding, never
invent one.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import itertools
import re
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from .analysis.torch_api import LIBRARY_METHOD_NAMES
from .triggers import Triggers

_P = "+" if sys.version_info >= (3, 11) else ""  # a possessive quantifier where Python has them


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


def blank_methods(node: ast.stmt, triggered: Triggers, called: frozenset[str] = frozenset(),
                  budget: Budget | None = None, mentions: Mentions | None = None) -> tuple[tuple[int, int], ...]:
    """Methods of a class that hold no trigger: nothing to find there, and (but for `__init__`, which
    sets the `self.` facts other methods read) nothing other methods depend on.

    Within a budget (`Budget`), more is kept for what the kept methods ask of others: a method that holds a
    trigger together with the methods it calls through `self.` (the transpose in a helper, the `.view` in
    its caller), the methods and properties a kept one reads through `self.`, `forward` (what calling the
    module does), and the methods other analysed code calls (`called`)."""
    if not isinstance(node, ast.ClassDef):
        return ()
    methods = [item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
    carried = {attr for item in methods if item.name == "__init__" for attr in _triggered_self_attrs(item, triggered)}
    spans = {item.name: (_first_line(item), item.end_lineno or item.lineno) for item in methods}
    mentions = mentions if mentions is not None else Mentions(triggered.source)

    def self_reads(name: str) -> list[str]:
        return sorted(read for read in mentions.names("self", *spans[name]) if read in spans and read != name)

    kept = {item.name for item in methods if item.name == "__init__" or triggered.hit(*spans[item.name])
            or (carried and not carried.isdisjoint(mentions.names("self", *spans[item.name])))}
    budget = budget if budget is not None else Budget(0)
    wanted = [item.name for item in methods if item.name not in kept and triggered.hit_any_pattern(*spans[item.name])
              and triggered.hit_across([spans[item.name], *(spans[n] for n in self_reads(item.name))])]
    wanted += [name for item in methods if item.name in kept for name in self_reads(item.name)]
    wanted += [name for name in ("forward", *sorted(called)) if name in spans]
    while wanted:
        name = wanted.pop(0)
        if name not in kept and budget.take(spans[name][1] - spans[name][0] + 1):
            kept.add(name)
            wanted += [read for read in self_reads(name) if read not in kept]
    return tuple(span for name, span in spans.items() if name not in kept)


class Budget:
    """How many lines of a file beyond what holds a trigger are parsed for the facts that code asks of
    other code: a small script's worth, or a fiftieth of the file if that is more. Library code pays a
    bounded price for what training scripts, spread across functions, need."""

    MIN_LINES = 60
    SHARE = 0.02
    FOLLOWED_LINES = 300  # the largest definition whose calls are followed

    def __init__(self, file_lines: int) -> None:
        self.left = max(self.MIN_LINES, int(file_lines * self.SHARE))

    def fits(self, lines: int) -> bool:
        return lines <= self.left

    def take(self, lines: int) -> bool:
        if lines > self.left:
            return False
        self.left -= lines
        return True


class Mentions:
    """Which names the file's text calls (`f(`), calls as methods (`.f(`) or reads through `self.` on some
    lines: each line range is scanned once, with one regex, when first asked (comments and strings may add
    a name, which only parses more). Only the parts the plan asks about are read; an `ast` walk of every
    definition would cost as much as parsing it."""

    #: Possessive quantifiers (Python 3.11+; plain ones match the same here, a little slower): a word that
    #: is not followed by `(` fails once, not once per prefix.
    _PATTERNS = {"call": re.compile(rf"(?<!\.)\b(\w+{_P})\s*{_P}\("), "method": re.compile(rf"\.(\w+{_P})\s*{_P}\("),
                 "self": re.compile(rf"\bself\.(\w+{_P})")}

    def __init__(self, source: str) -> None:
        self.source = source
        self._line_starts: list[int] | None = None
        self._scans: dict[tuple[str, int, int], frozenset[str]] = {}

    def names(self, kind: str, start: int, end: int) -> frozenset[str]:
        """The names mentioned as `kind` ("call", "method" or "self") on lines `start`..`end`."""
        found = self._scans.get((kind, start, end))
        if found is None:
            matches = self._PATTERNS[kind].finditer(self.source, self._offset(start), self._offset(end + 1))
            found = self._scans[kind, start, end] = frozenset(m.group(1) for m in matches)
        return found

    def calls_any(self, names: Collection[str], method: bool = False) -> list[int]:
        """The lines on which one of `names` is called (as a method: `.name(`), one scan of the file."""
        prefix = r"\." if method else r"(?<!\.)\b"
        pattern = re.compile(prefix + "(?:" + "|".join(map(re.escape, sorted(names))) + rf")\s*{_P}\(")
        starts = self._starts()
        return [bisect.bisect_right(starts, m.start()) for m in pattern.finditer(self.source)]

    def _starts(self) -> list[int]:
        """Where each line starts (lines end at `\\n`, as they do for `ast` and flake8)."""
        if self._line_starts is None:
            self._line_starts = [0, *(m.end() for m in re.finditer("\n", self.source))]
        return self._line_starts

    def _offset(self, line: int) -> int:
        """Where line `line` (1-based) starts; past the end for a line after the last."""
        starts = self._starts()
        return starts[line - 1] if line - 1 < len(starts) else len(self.source)


def _triggered_self_attrs(init: ast.AST, triggered: Triggers) -> set[str]:
    """`self.x` set in `__init__` on a triggered line (`self.criterion = nn.MSELoss()`)."""
    attrs: set[str] = set()
    for node in ast.walk(init):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and triggered.hit_any_pattern(
                node.lineno, node.end_lineno or node.lineno):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            attrs.update(t.attr for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name))
    return attrs


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
    budget = Budget(sum(end - start + 1 for start, end, _ in spans))
    mentions = Mentions(triggered.source)
    parsed, called = _with_callees(spans, nodes, triggered, budget, mentions)
    regions = []
    sizes = _LineSizes(lines) if len(triggered.source) > MAX_PARSED_CHARS else None  # else every piece fits
    for (start, end, _), members, parse in zip(spans, nodes, parsed):
        blank = blank_methods(members[0], triggered, called, budget, mentions) if parse and len(members) == 1 else ()
        region = Region(start, end, parse, tuple(members), blank)
        regions.extend(_within_parse_limit(region, sizes) if parse and sizes is not None else [region])
    return regions


#: How far the functions an analysed function calls are analysed too (their callees, and theirs): deep
#: enough for a model built of nested module classes (`Model` > `Encoder` > `Layer` > `Output`); the
#: per-file Budget, not the depth, is what bounds the cost.
CALLEE_DEPTH = 5


def _with_callees(spans: list[tuple[int, int, bool]], nodes: list[list[ast.stmt]], triggered: Triggers,
                  budget: Budget, mentions: Mentions) -> tuple[list[bool], frozenset[str]]:
    """Which regions to parse, and which methods to keep in them because other analysed code calls them.

    Parsed: module-level code, definitions that hold a trigger alone or together with what they call, and
    what an analysed definition calls, CALLEE_DEPTH calls deep: module-level functions by name, module
    classes (`Net(...)`: their `forward` is what a call does), and the one class of the file that defines a
    method called on some object (`model.compute_loss(...)`), with that method kept. What a callee hands
    back is what the caller reasons about. Then the callers of analysed functions and triggered methods,
    and what those callers call in turn (what they build and hand over)."""
    functions: dict[str, int] = {}
    modules: dict[str, int] = {}
    definers: dict[str, set[int]] = {}  # method name -> the classes that define it
    for index, members in enumerate(nodes):
        node = members[0]
        if len(members) != 1:
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = index
        elif isinstance(node, ast.ClassDef):
            if _looks_like_module(node):
                modules[node.name] = index
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("__") \
                        and item.name not in LIBRARY_METHOD_NAMES:
                    definers.setdefault(item.name, set()).add(index)
    unique = {name: next(iter(owners)) for name, owners in definers.items() if len(owners) == 1}
    calls: dict[int, tuple[list[int], frozenset[str]]] = {}

    def callees(index: int) -> tuple[list[int], frozenset[str]]:
        if index not in calls:
            definition = isinstance(nodes[index][0], _DEFINITIONS)
            start, end = spans[index][0], spans[index][1]
            names = mentions.names("call", start, end)
            methods = mentions.names("method", start, end) & unique.keys()
            found = {modules[name] for name in names if name in modules}
            if definition:  # module-level code calls a library's worth of helpers: only classes matter there
                found.update(functions[name] for name in names if name in functions)
            found.update(unique[name] for name in methods)
            found.discard(index)
            calls[index] = sorted(found), methods
        return calls[index]

    def size(index: int) -> int:
        return spans[index][1] - spans[index][0] + 1

    parsed = [always or (triggered.hit(start, end) and not all(map(_is_bare_string, members)))
              for (start, end, always), members in zip(spans, nodes)]
    if not (functions or modules or unique):
        return parsed, frozenset()
    for index, ((start, end, _), members) in enumerate(zip(spans, nodes)):
        if not parsed[index] and len(members) == 1 and isinstance(members[0], _DEFINITIONS) and \
                budget.fits(size(index)) and triggered.hit_any_pattern(start, end) and triggered.hit_across(
                    [(start, end), *((spans[c][0], spans[c][1]) for c in callees(index)[0])]):
            parsed[index] = budget.take(size(index))
    called: set[str] = set()

    def follow(frontier: list[int]) -> None:
        """Parse what the regions in `frontier` call, CALLEE_DEPTH calls deep, as the budget allows."""
        for _ in range(CALLEE_DEPTH):
            reached = []
            for index in frontier:
                found, methods = callees(index)
                called.update(methods)
                for callee in found:
                    if not parsed[callee] and budget.take(size(callee)):
                        parsed[callee] = True
                        reached.append(callee)
            frontier = reached

    # What code calls is followed from code of a script's size: a library's large classes call a library's
    # worth of helpers, and what those return would cost more than it tells.
    follow([index for index, parse in enumerate(parsed) if parse and size(index) <= Budget.FOLLOWED_LINES
            and not all(isinstance(m, (ast.Import, ast.ImportFrom)) or _is_bare_string(m) for m in nodes[index])])
    # The callers of analysed functions, and of the triggered methods of analysed classes (`agent.act(obs)`):
    # what they hand a parameter is what the function is analysed with.
    analysed = [name for name, index in functions.items() if parsed[index]]
    triggered_methods = [name for name, index in unique.items()
                         if parsed[index] and _holds_trigger(nodes[index][0], name, triggered)]
    starts = [start for start, _, _ in spans]
    callers = []
    for names, method in ((analysed, False), (triggered_methods, True)):
        if not names:
            continue
        for line in sorted(set(mentions.calls_any(names, method))):
            index = bisect.bisect_right(starts, line) - 1
            if index >= 0 and not parsed[index] and line <= spans[index][1] and isinstance(
                    nodes[index][0], _DEFINITIONS):
                parsed[index] = budget.take(size(index))
                if parsed[index] and size(index) <= Budget.FOLLOWED_LINES:
                    callers.append(index)
    follow(callers)  # what a caller builds and hands over (`model = Model(); edit(model)`)
    return parsed, frozenset(called)


def _holds_trigger(node: ast.stmt, method: str, triggered: Triggers) -> bool:
    """Whether the class `node` defines `method` with a trigger inside."""
    return isinstance(node, ast.ClassDef) and any(
        isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == method
        and triggered.hit(item.lineno, item.end_lineno or item.lineno) for item in node.body)


def _looks_like_module(node: ast.ClassDef) -> bool:
    """A class derived from something named like a torch module (`nn.Module`, `LightningModule`, `nn.Linear`)."""
    for base in node.bases:
        parts = []
        while isinstance(base, ast.Attribute):
            parts.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name):
            parts.append(base.id)
        if parts and ("Module" in parts[0] or parts[-1] == "nn" or parts[-2:] == ["nn", "torch"]):
            return True
    return False


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


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
