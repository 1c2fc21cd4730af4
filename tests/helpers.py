"""Shared helpers: run the real flake8, read fixture expectations."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FIXTURE_FILES = sorted(FIXTURES.glob("TPF*.py"))
#: `# expect: TPF003:12` (several may follow one another): a finding of that code at that column, as flake8
#: prints it (1-based), on this line.
EXPECT = re.compile(r"#\s*expect:((?:\s+TPF\d{3}:\d+)+)\s*$")
OUTPUT = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>TPF\d{3}) (?P<text>.*)$")


def flake8(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the real flake8 (isolated from any user config) with only our codes selected."""
    return subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "TPF", *args],
                          input=stdin, capture_output=True, text=True, cwd=cwd, timeout=300)


def parse_output(stdout: str) -> list[dict[str, str]]:
    rows = []
    for line in stdout.splitlines():
        match = OUTPUT.match(line)
        assert match, f"unexpected flake8 output line: {line!r}"
        rows.append(match.groupdict())
    return rows


def marked(path: Path, text: str | None = None) -> set[tuple[int, int, str]]:
    """(line, column, code) of every `# expect:` marker of a fixture."""
    text = path.read_text() if text is None else text
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            for mark in match.group(1).split():
                code, column = mark.split(":")
                found.add((number, int(column), code))
    return found


def expectations(path: Path, text: str | None = None) -> set[tuple[int, str]]:
    """(line, code) of every marker."""
    return {(line, code) for line, _column, code in marked(path, text)}


def check_text(text: str) -> set[tuple[int, str]]:
    """Findings of the real plugin class, as flake8 would instantiate it, on an in-memory file."""
    from flake8_torch_pitfalls.plugin import TorchPitfallsChecker

    lines = text.splitlines(keepends=True)
    checker = TorchPitfallsChecker(ast.parse(text), lines, "<memory>")
    return {(line, message.split(" ", 1)[0]) for line, _col, message, _type in checker.run()}
