"""The one pipeline behind every door: text prefilter -> one LibCST parse -> one interpretation -> findings.

Imported only for files that mention torch, so flake8 runs on other files never load libcst.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from .analysis.interpreter import Handler, Interpreter, Settings
from .checks import ALL_CHECKS, Check, Finding


@dataclass(frozen=True, order=True)
class Located:
    """A finding where flake8 wants it: 1-based line, 0-based column."""

    line: int
    column: int
    code: str
    message: str


class SourceNotParsed(Exception):
    """LibCST rejected a file that `ast` may accept; such a file gets no findings."""


def mentions_torch(source: str) -> bool:
    return "torch" in source


def settings_for(source: str, base: Settings = Settings()) -> Settings:
    if "set_default_dtype" in source or "set_default_tensor_type" in source:
        return Settings(base.extra_losses, base.extra_no_grad, default_float_known=False)
    return base


def check_source(source: str, settings: Settings = Settings(), disabled: Collection[str] = ()) -> list[Located]:
    """All findings in one file's text, sorted by position. Raises SourceNotParsed on LibCST parse errors."""
    if not mentions_torch(source):
        return []
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        raise SourceNotParsed(str(error)) from error
    findings: list[Finding] = []
    checks = [check(findings.append) for check in ALL_CHECKS if check.code not in disabled]
    Interpreter(module, _handlers(checks), settings_for(source, settings)).run()
    if not findings:
        return []
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    located = set()
    for finding in findings:
        start = positions[finding.node].start
        located.add(Located(start.line, start.column, finding.code, finding.message))
    return sorted(located)


def _handlers(checks: list[Check]) -> dict[str, list[Handler]]:
    """Event name -> the bound `visit_*` methods of every check that defines it."""
    handlers: dict[str, list[Handler]] = {}
    for check in checks:
        for name in dir(type(check)):
            if name.startswith("visit_"):
                handlers.setdefault(name, []).append(getattr(check, name))
    return handlers
