"""`torch-pitfalls check`: the same engine and findings as the flake8 plugin, for projects without flake8.

Files that cannot be read, decoded or parsed are reported like findings (E902, E999, as flake8 names
them) and fail the run; what is skipped on purpose (not a regular file) and parts LibCST cannot read
are said on stderr. Never a traceback, never a silent pass.
"""

from __future__ import annotations

import io
import os
import signal
import stat
import sys
import tokenize
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, Resolver
from .lines import physical_lines, universal_newlines
from .noqa import suppressed
from .report import Reported

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules",
                          "build", "dist", ".eggs", "site-packages", ".mypy_cache", ".pytest_cache"})
#: Larger files are not read: no Python source is this big, and reading a device or a runaway log would
#: take the machine's memory.
MAX_BYTES = 32 * 1024 * 1024
#: Below this many files per worker a process pool costs more than it saves.
FILES_PER_WORKER = 16
STDIN = "-"


@dataclass
class FileOutcome:
    findings: list[Reported] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said on stderr: parts skipped, and why


@dataclass
class Outcome:
    findings: list[Reported] = field(default_factory=list)  # E902/E999 for files not checked, too
    notes: list[str] = field(default_factory=list)
    files: int = 0


@dataclass(frozen=True)
class Target:
    """One file to check, with its configuration (and its text, for stdin)."""

    path: Path
    config: Config
    display: str
    text: str | None = None


def discover(paths: Sequence[Path], resolver: Resolver, notes: list[str]) -> Iterator[Target]:
    """Python files under `paths`, each with its configuration, minus what that configuration excludes."""
    for path in paths:
        if not path.is_dir():
            yield from _target(path, resolver, notes)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS
                             and not resolver.for_path(Path(root, d)).excluded(Path(root, d)))
            for name in sorted(files):
                if name.endswith(".py"):
                    yield from _target(Path(root, name), resolver, notes)


def _target(path: Path, resolver: Resolver, notes: list[str]) -> Iterator[Target]:
    """The file to check, unless its configuration excludes it or it is not a regular file (said in `notes`)."""
    config = resolver.for_path(path)
    if config.excluded(path):
        return
    if not _regular(path):
        notes.append(f"{path}: skipped: not a regular file")
        return
    yield Target(path, config, str(path))


def _regular(path: Path) -> bool:
    """A FIFO would block the run and a link to /dev/zero would read forever: only regular files are read."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True  # let reading it say what is wrong


def decode(raw: bytes) -> str:
    """Decode like Python does: PEP 263 coding cookie, BOM, else UTF-8."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    return universal_newlines(raw.decode(encoding))


def read_source(path: Path) -> str:
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise OSError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB, not read")
    return decode(raw)


def check_target(target: Target) -> FileOutcome:
    """One file's findings, its read or parse failure as an E902/E999 line, and notes for stderr."""
    from .engine import SourceNotParsed, check_file, parse_python

    outcome = FileOutcome()
    config = target.config
    try:
        source = target.text if target.text is not None else read_source(target.path)
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError) as error:
        outcome.findings.append(_not_checked(target.display, 1, 1, "E902", f"{type(error).__name__}: {error}"))
        return outcome
    disabled = [code for code in _all_codes() if not config.enabled(code, target.path)]
    try:
        checked = check_file(source, config.settings, disabled, parse_python(source))
    except SourceNotParsed as error:
        lines = physical_lines(source)
        text = lines[error.line - 1] if 0 < error.line <= len(lines) else ""
        outcome.findings.append(_not_checked(target.display, error.line, error.column, "E999", str(error), text))
        return outcome
    except (Exception, RecursionError) as error:  # never lose the other files' findings
        outcome.notes.append(f"{target.display}: internal error: {type(error).__name__}: {error}; "
                             "no findings reported for this file")
        return outcome
    for first, last, why in checked.unread:
        outcome.notes.append(f"{target.display}:{first}-{last}: not checked: {why} (its findings, if any, are missing)")
    lines = physical_lines(source) if checked.findings else []  # for `# noqa`: only where something was found
    for finding in checked.findings:
        line_text = lines[finding.line - 1] if finding.line <= len(lines) else ""
        if suppressed(line_text, finding.code):
            continue
        outcome.findings.append(Reported(
            target.display, finding.line, finding.column + 1, finding.code, finding.message.split(" ", 1)[1],
            end_line=finding.end_line, end_column=finding.end_column + 1, fix=finding.fix, line_text=line_text))
    return outcome


def _not_checked(path: str, line: int, column: int, code: str, message: str, line_text: str = "") -> Reported:
    return Reported(path, line, column, code, message, line_text=line_text, severity="error")


def check_targets(targets: Sequence[Target], jobs: int = 1,
                  progress: Callable[[int, int, str], None] | None = None) -> Outcome:
    """Every target checked, in `jobs` processes when there are enough files to pay for them."""
    outcome = Outcome(files=len(targets))
    workers = min(jobs, max(1, len(targets) // FILES_PER_WORKER))
    results: Iterator[FileOutcome]
    pool: Executor | None = None
    if workers > 1:
        pool = ProcessPoolExecutor(workers, initializer=_leave_interrupts_to_the_parent)
        results = pool.map(check_target, targets, chunksize=8)
    else:
        results = map(check_target, targets)
    try:
        for number, (target, result) in enumerate(zip(targets, results), start=1):
            if progress is not None:
                progress(number, len(targets), target.display)
            outcome.findings.extend(result.findings)
            outcome.notes.extend(result.notes)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    outcome.findings.sort(key=lambda f: (f.path, f.line, f.column, f.code))
    return outcome


def _leave_interrupts_to_the_parent() -> None:
    """Ctrl-C reaches every process of the terminal's group: the parent alone answers it, in one line."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's handler, inherited by fork


def _all_codes() -> list[str]:
    from .defaults import ALL_CODES

    return sorted(ALL_CODES)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def terminal_progress(number: int, total: int, path: str) -> None:
    """A one-line counter on an interactive terminal; silent in pipes and CI logs."""
    if total < 20:
        return
    end = "\n" if number == total else ""
    sys.stderr.write(f"\r\033[Kchecking {number}/{total} {path[-60:]}{end}")
    sys.stderr.flush()


def wants_progress() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")
