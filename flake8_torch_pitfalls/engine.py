"""The one pipeline behind every door: text prefilter -> LibCST parse of the regions that matter ->
one interpretation -> findings located by region.

Imported only for files that mention torch, so flake8 runs on other files never load libcst.
"""

from __future__ import annotations

import ast
import gc
import re
import sys
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import libcst as cst

from .analysis.imports import from_ast
from .analysis.interpreter import Handler, Interpreter, Segment, Settings
from .checks import ALL_CHECKS, Check, Finding
from .positions import start_positions
from .regions import Triggers, plan

#: Deep expressions (a 400-long method chain) recurse deeply; pure-Python frames are cheap in 3.11+.
ANALYSIS_RECURSION_LIMIT = 20_000


@dataclass(frozen=True, order=True)
class Located:
    """A finding where flake8 wants it: 1-based line, 0-based column."""

    line: int
    column: int
    code: str
    message: str


class SourceNotParsed(Exception):
    """The file is not valid Python for `ast` or LibCST; such a file gets no findings."""


def mentions_torch(source: str) -> bool:
    return "torch" in source


def settings_for(source: str, base: Settings = Settings()) -> Settings:
    if "set_default_dtype" in source or "set_default_tensor_type" in source:
        return Settings(base.extra_losses, base.extra_no_grad, default_float_known=False)
    return base


def check_source(source: str, settings: Settings = Settings(), disabled: Collection[str] = (),
                 tree: ast.Module | None = None) -> list[Located]:
    """All findings in one file's text, sorted by position.

    `tree` is the `ast` parse flake8 already made (parsed here when absent). Raises SourceNotParsed
    when `ast` rejects the file; regions LibCST rejects are skipped.
    """
    if not mentions_torch(source):
        return []
    checks_enabled = [check for check in ALL_CHECKS if check.code not in disabled]
    groups = [group for check in checks_enabled for group in check.triggers]
    if any(check.code == "TPF001" for check in checks_enabled):
        groups += [(re.escape(name.rsplit(".", 1)[-1]),) for name in settings.extra_losses]
    triggered = Triggers(source, groups)
    if not triggered:
        return []
    if tree is None:
        try:
            with warnings.catch_warnings():  # Python's own warnings about the linted code are not ours
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError) as error:
            raise SourceNotParsed(str(error)) from error
    lines = source.splitlines(keepends=True)
    if not triggered.outside_prose(tree, lines):
        return []
    with _collector_paused():
        return _analyse(source, lines, tree, triggered, settings, checks_enabled)


def _analyse(source: str, lines: list[str], tree: ast.Module, triggered: Triggers, settings: Settings,
             checks_enabled: list[type[Check]]) -> list[Located]:
    regions = plan(tree, triggered, lines)
    segments: list[Segment] = []
    modules: dict[int, cst.Module] = {}
    for index, region in enumerate(regions):
        imports = region.imports() if region.parse else None
        if imports is not None:
            segments.append((index, tuple(map(from_ast, imports)), frozenset()))
            continue
        module = _parse_region(region.text(lines)) if region.parse else None
        if module is not None:
            modules[index] = module
        segments.append((index, module, frozenset() if module is not None else region.bound()))
    findings: list[tuple[int, Finding]] = []
    with _recursion_allowance(ANALYSIS_RECURSION_LIMIT):
        interpreter = Interpreter(cst.Module(body=[]), {}, settings_for(source, settings))
        checks = [check(lambda f: findings.append((interpreter.region, f))) for check in checks_enabled]
        interpreter.handlers = _handlers(checks)
        interpreter.run_segments(segments)
        return sorted(_locate(findings, modules, regions))


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
    cst.CSTNode.__post_init__ = _no_validation  # type: ignore[method-assign]
    try:
        yield
    finally:
        cst.CSTNode.__post_init__ = hook  # type: ignore[method-assign]


def _no_validation(node: cst.CSTNode) -> None:
    return None


def _locate(findings: list[tuple[int, Finding]], modules: dict[int, cst.Module], regions: list) -> set[Located]:
    """Positions within each region that has findings, shifted to file lines."""
    by_region: dict[int, list[Finding]] = {}
    for region, finding in findings:
        by_region.setdefault(region, []).append(finding)
    located: set[Located] = set()
    for region, found in by_region.items():
        starts = start_positions(modules[region], [finding.node for finding in found])
        for finding in found:
            line, column = starts[id(finding.node)]
            located.add(Located(line + regions[region].start - 1, column, finding.code, finding.message))
    return located


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


def _handlers(checks: list[Check]) -> dict[str, list[Handler]]:
    """Event name -> the bound `visit_*` methods of every check that defines it."""
    handlers: dict[str, list[Handler]] = {}
    for check in checks:
        for name in dir(type(check)):
            if name.startswith("visit_"):
                handlers.setdefault(name, []).append(getattr(check, name))
    return handlers
