"""Import statements in one shape, whichever parser read them.

Module-level imports are a tenth of what LibCST would otherwise parse in real projects (long
`from x import (a, b, ...)` lists), and all the analysis needs of them is which names they bind to
which qualified names: flake8's `ast` tree already says that, so import-only regions skip LibCST.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from .syntax import dotted_name


@dataclass(frozen=True)
class ImportSpec:
    """`import a.b as c` (module None) or `from ..m import x as y` (module "m", level 2)."""

    module: str | None
    level: int
    names: tuple[tuple[str, str | None], ...]  # (dotted name, asname); empty for `import *`
    star: bool = False


def from_ast(node: ast.Import | ast.ImportFrom) -> ImportSpec:
    names = tuple((alias.name, alias.asname) for alias in node.names if alias.name != "*")
    if isinstance(node, ast.Import):
        return ImportSpec(None, 0, names)
    return ImportSpec(node.module or "", node.level, names, star=not names)


def from_cst(node: cst.Import | cst.ImportFrom) -> ImportSpec:
    if isinstance(node, cst.Import):
        return ImportSpec(None, 0, _names(node.names))
    module = dotted_name(node.module) or "" if node.module is not None else ""
    if isinstance(node.names, cst.ImportStar):
        return ImportSpec(module, len(node.relative), (), star=True)
    return ImportSpec(module, len(node.relative), _names(node.names))


def _names(aliases: Sequence[cst.ImportAlias]) -> tuple[tuple[str, str | None], ...]:
    return tuple((dotted_name(alias.name) or "", _asname(alias)) for alias in aliases)


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return None
