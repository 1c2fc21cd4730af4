"""flake8 entry point (prefix TPF). Kept import-light: libcst loads only for files that mention torch."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from . import __version__


class TorchPitfallsChecker:
    """Reports TPF findings for one file from the lines flake8 already read (stdin `-` works too)."""

    name = "flake8-torch-pitfalls"
    version = __version__

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str = "-") -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        source = "".join(self.lines)
        if "torch" not in source:
            return
        from .engine import SourceNotParsed, check_source

        try:
            located = check_source(source)
        except SourceNotParsed:
            return
        except (Exception, RecursionError) as error:  # never take the user's whole flake8 run down
            print(f"flake8-torch-pitfalls: internal error on {self.filename}: {type(error).__name__}: {error}; "
                  "no TPF findings reported for this file", file=sys.stderr)
            return
        for finding in located:
            yield finding.line, finding.column, finding.message, type(self)
