"""What every check shares: its code, its one-line summary, and how it reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst


@dataclass(frozen=True)
class Finding:
    """One reported pitfall, anchored to the node whose first line and column flake8 shows."""

    node: cst.CSTNode
    code: str
    message: str  # "TPFnnn <what is wrong>; <the fix>"


Report = Callable[[Finding], None]


class Check:
    """A rule: subscribes to interpreter events by defining `visit_<Node>(node, at)` methods."""

    code: ClassVar[str]
    summary: ClassVar[str]
    #: Groups of regexes: a function, method or class can hold a finding only if every regex of one
    #: group matches inside it (the cheap text test that decides what LibCST parses).
    triggers: ClassVar[tuple[tuple[str, ...], ...]]

    def __init__(self, report: Report) -> None:
        self._report = report

    def report(self, node: cst.CSTNode, message: str) -> None:
        self._report(Finding(node, self.code, f"{self.code} {message}"))
