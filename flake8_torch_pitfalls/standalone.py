"""`torch-pitfalls check`: the same engine and findings as the flake8 plugin, for projects without flake8."""

from __future__ import annotations

import fnmatch
import io
import os
import sys
import tokenize
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .noqa import suppressed
from .report import Reported

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
                          "build", "dist", ".eggs", "site-packages", ".mypy_cache", ".pytest_cache"})


@dataclass
class Outcome:
    findings: list[Reported] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files that could not be checked, and why
    files: int = 0


def _excluded(path: Path, patterns: Sequence[str]) -> bool:
    posix = path.as_posix()
    return any(fnmatch.fnmatch(posix, p) or fnmatch.fnmatch(path.name, p) for p in patterns)


def python_files(paths: Sequence[Path], exclude: Sequence[str]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not _excluded(Path(root, d), exclude))
                for name in sorted(files):
                    candidate = Path(root, name)
                    if name.endswith(".py") and not _excluded(candidate, exclude):
                        yield candidate
        elif not _excluded(path, exclude):
            yield path


def read_source(path: Path) -> str:
    """Decode like Python does: PEP 263 coding cookie, BOM, else UTF-8."""
    raw = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    return raw.decode(encoding)


def check_paths(paths: Sequence[Path], config: Config, progress: Callable[[int, int, Path], None] | None = None
                ) -> Outcome:
    from .engine import SourceNotParsed, check_source

    outcome = Outcome()
    files = list(python_files(paths, config.exclude))
    disabled = [code for code in _all_codes() if not config.enabled(code)]
    for number, path in enumerate(files, start=1):
        if progress is not None:
            progress(number, len(files), path)
        outcome.files += 1
        try:
            source = read_source(path)
        except (OSError, UnicodeDecodeError, SyntaxError) as error:
            outcome.problems.append(f"{path}: not checked: {error}")
            continue
        try:
            located = check_source(source, config.settings, disabled)
        except SourceNotParsed:
            outcome.problems.append(f"{path}: not checked: LibCST cannot parse this file")
            continue
        except (Exception, RecursionError) as error:
            outcome.problems.append(f"{path}: internal error: {type(error).__name__}: {error}")
            continue
        lines = source.splitlines()
        for finding in located:
            line_text = lines[finding.line - 1] if finding.line <= len(lines) else ""
            if suppressed(line_text, finding.code):
                continue
            message = finding.message.split(" ", 1)[1]
            outcome.findings.append(Reported(str(path), finding.line, finding.column + 1, finding.code, message))
    return outcome


def _all_codes() -> list[str]:
    from .defaults import ALL_CODES

    return sorted(ALL_CODES)


def terminal_progress(number: int, total: int, path: Path) -> None:
    """A one-line counter on an interactive terminal; silent in pipes and CI logs."""
    if total < 20:
        return
    end = "\n" if number == total else ""
    sys.stderr.write(f"\r\033[Kchecking {number}/{total} {str(path)[-60:]}{end}")
    sys.stderr.flush()


def wants_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")
