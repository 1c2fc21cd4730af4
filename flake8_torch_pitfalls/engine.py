"""The one pipeline behind every door: text triggers -> regions -> LibCST parse of the regions that matter
-> one interpretation whose events the checks subscribe to -> findings located by region.

Imported only for files that mention torch, so flake8 runs on other files never load libcst. It knows
no rule by name: rules come from the registry and declare their own triggers.
"""

from __future__ import annotations

import ast
import gc
import sys
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import libcst as cst

from .analysis.events import Subscriber
from .analysis.imports import from_ast
from .analysis.statements import Interpreter, Segment
from .checks import ALL_CHECKS, Check, Finding
from .lines import physical_lines, universal_newlines
from .nesting import MAX_NESTING, LineExtents, too_deep
from .positions import spans
from .regions import Region, plan
from .settings import Settings
from .triggers import Triggers

#: Deep expressions (a 400-long method chain) recurse deeply; pure-Python frames are cheap in 3.11+.
ANALYSIS_RECURSION_LIMIT = 20_000


@dataclass(frozen=True, order=True)
class Located:
    """A finding where flake8 wants it: 1-based line, 0-based column; where its node ends; the fix alone."""

    line: int
    column: int
    code: str
    message: str
    end_line: int = 0
    end_column: int = 0
    fix: str = ""


@dataclass(frozen=True)
class Checked:
    """One file's findings, and the lines of the parts LibCST could not read (their findings are lost)."""

    findings: list[Located]
    unread: list[tuple[int, int, str]]  # (first line, last line, why) of each part skipped


class SourceNotParsed(Exception):
    """The file is not valid Python for `ast`; such a file gets no findings."""

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.line, self.column = line, column  # where Python's parser stopped (1-based)


@dataclass
class Interpretation:
    """A finished interpretation of one file: the regions, the parsed ones, and the interpreter's state."""

    regions: list[Region]
    modules: dict[int, cst.Module]
    interpreter: Interpreter
    unread: dict[int, str]  # regions that were to be parsed and were not, with why


def check_source(source: str, settings: Settings = Settings(), disabled: Collection[str] = (),
                 tree: ast.Module | None = None, triggered: Triggers | None = None) -> list[Located]:
    """All findings in one file's text, sorted by position.

    `tree` is the `ast` parse flake8 already made (parsed here when absent). Raises SourceNotParsed
    when `ast` rejects the file; regions LibCST rejects are skipped. `triggered` is the caller's search of
    the same checks' triggers, when it made one (the flake8 plugin asks before loading libcst).
    """
    return check_file(source, settings, disabled, tree, triggered).findings


def check_file(source: str, settings: Settings = Settings(), disabled: Collection[str] = (),
               tree: ast.Module | None = None, triggered: Triggers | None = None) -> Checked:
    """`check_source`, and which parts were skipped because LibCST could not read them."""
    if "torch" not in source:
        return Checked([], [])
    if "\r" in source:  # CR and CRLF endings read as Python reads them; positions are unchanged
        source, triggered = universal_newlines(source), None
    collector = _Collector()
    checks: list[Check] = [check(collector) for check in ALL_CHECKS if check.code not in disabled]
    done = interpret(source, checks, settings, tree, on_start=collector.attach, triggered=triggered)
    if done is None:
        return Checked([], [])
    done.interpreter.release()
    unread = [(done.regions[index].start, done.regions[index].end, why) for index, why in done.unread.items()]
    with _collector_paused(), _recursion_allowance(ANALYSIS_RECURSION_LIMIT):  # code generation recurses too
        return Checked(sorted(_locate(collector.found, done.modules, done.regions)), unread)


class _Collector:
    """Findings with the region they were reported in (the running interpreter says which)."""

    def __init__(self) -> None:
        self.found: list[tuple[int, Finding]] = []
        self.interpreter: Interpreter | None = None

    def attach(self, interpreter: Interpreter) -> None:
        self.interpreter = interpreter

    def __call__(self, finding: Finding) -> None:
        assert self.interpreter is not None, "findings are reported only while an interpretation runs"
        self.found.append((self.interpreter.region, finding))


def parse_python(source: str) -> ast.Module:
    """Python's own parse of a file; SourceNotParsed (with where it stopped) for all it rejects."""
    try:
        with warnings.catch_warnings():  # Python's own warnings about the linted code are not ours
            warnings.simplefilter("ignore")
            return ast.parse(source)
    except SyntaxError as error:
        raise SourceNotParsed(f"{type(error).__name__}: {error.msg}", error.lineno or 1, error.offset or 1) from error
    except ValueError as error:  # a null byte
        raise SourceNotParsed(f"SyntaxError: {error}") from error
    except (RecursionError, MemoryError) as error:
        raise SourceNotParsed("SyntaxError: too deeply nested for Python's parser") from error


def interpret(source: str, subscribers: Sequence[Subscriber], settings: Settings = Settings(),
              tree: ast.Module | None = None,
              on_start: Callable[[Interpreter], object] | None = None,
              triggered: Triggers | None = None) -> Interpretation | None:
    """Run one interpretation of `source` for `subscribers`; None when no part of it can interest them.

    Only the parts whose text holds some subscriber's triggers (and module-level code) are parsed.
    """
    groups = [group for subscriber in subscribers for group in type(subscriber).triggers_for(settings)]
    if triggered is None or triggered.groups != [tuple(group) for group in groups]:
        triggered = Triggers(source, groups)
    if not triggered:
        return None
    if tree is None:
        tree = parse_python(source)
    lines = physical_lines(source, keepends=True)
    if not triggered.outside_prose(tree, lines):
        return None
    with _collector_paused():
        regions = plan(tree, triggered, lines)
        # Import-only regions are read from `ast` (cheap) unless someone listens to import events.
        import_events = any({"visit_Import", "visit_ImportFrom"} & set(s.subscribed) for s in subscribers)
        segments, modules, unread = _segments(regions, lines, parse_imports=import_events)
        with _recursion_allowance(ANALYSIS_RECURSION_LIMIT):
            interpreter = Interpreter(settings.for_source(source), subscribers, tree)
            if on_start is not None:
                on_start(interpreter)
            interpreter.run_segments(segments)
    return Interpretation(regions, modules, interpreter, unread)


def _segments(regions: list[Region], lines: list[str], parse_imports: bool = False
              ) -> tuple[list[Segment], dict[int, cst.Module], dict[int, str]]:
    """What the interpreter runs for each region: its imports, its parse, or the names it forgets;
    and why LibCST did not read the regions it was to read."""
    segments: list[Segment] = []
    modules: dict[int, cst.Module] = {}
    unread: dict[int, str] = {}
    extents = LineExtents(lines)
    for index, region in enumerate(regions):
        imports = region.imports() if region.parse and not parse_imports else None
        if imports is not None:
            segments.append((index, tuple(map(from_ast, imports)), frozenset()))
            continue
        module = None
        if region.parse:
            depth = too_deep(region.statements, extents)
            if depth is not None:
                unread[index] = (f"nested {depth} levels deep; LibCST is given at most {MAX_NESTING} "
                                 "(its parse time grows with the square of the depth)")
            else:
                module = _parse_region(region.text(lines))
                if module is None:
                    unread[index] = "LibCST cannot parse this part"
        if module is not None:
            modules[index] = module
        segments.append((index, module, frozenset() if module is not None else region.bound()))
    return segments, modules, unread


def _parse_region(text: str) -> cst.Module | None:
    try:
        with _validation_skipped():
            return cst.parse_module(text)
    except (Exception, RecursionError):  # LibCST raises more than ParserSyntaxError on valid code (#1061)
        return None  # LibCST cannot read this part: its names are left unknown


@contextmanager
def _validation_skipped() -> Iterator[None]:
    """Build the parser's nodes without `CSTNode.__post_init__`'s validation, an eighth of the parse.

    Validation guards trees built by hand; the native parser's output is valid by construction
    (LibCST's own note there: "avoid validating the tree when parsing a file"). The hook is put back
    at once, so any other user of libcst in the process is untouched. Should a LibCST release drop
    the hook, nothing is skipped."""
    hook = cst.CSTNode.__dict__.get("__post_init__")
    if hook is None:
        yield
        return
    cst.CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        cst.CSTNode.__post_init__ = hook  # type: ignore[method-assign]


def _no_validation(node: cst.CSTNode) -> None:
    return None


def _locate(findings: list[tuple[int, Finding]], modules: dict[int, cst.Module], regions: list[Region]
            ) -> list[Located]:
    """Positions within each region that has findings, shifted to file lines: one finding per position and
    code, the last reported (a function interpreted again with what its callers hand it knows more)."""
    by_region: dict[int, list[Finding]] = {}
    for region, finding in findings:
        by_region.setdefault(region, []).append(finding)
    located: dict[tuple[int, int, str], Located] = {}
    for region, found in by_region.items():
        ranges = spans(modules[region], [finding.node for finding in found])
        shift = regions[region].start - 1
        for finding in found:
            (line, column), (end_line, end_column) = ranges[id(finding.node)]
            line += shift
            located[line, column, finding.code] = Located(line, column, finding.code, finding.message,
                                                          end_line + shift, end_column, finding.fix)
    return list(located.values())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while one file is analysed: LibCST allocates hundreds of thousands
    of acyclic nodes, and the collections they trigger cost a quarter of the analysis time. Whatever
    cycles the analysis leaves are collected once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _recursion_allowance(limit: int) -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)
