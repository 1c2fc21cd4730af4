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
EXPECT = re.compile(r"#\s*expect:\s*(TPF\d{3})\s*$")
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


def expectations(path: Path, text: str | None = None) -> set[tuple[int, str]]:
    text = path.read_text() if text is None else text
    found = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            found.add((number, match.group(1)))
    return found


def check_text(text: str) -> set[tuple[int, str]]:
    """Findings of the real plugin class, as flake8 would instantiate it, on an in-memory file."""
    from flake8_torch_pitfalls.plugin import TorchPitfallsChecker

    lines = text.splitlines(keepends=True)
    checker = TorchPitfallsChecker(ast.parse(text), lines, "<memory>")
    return {(line, message.split(" ", 1)[0]) for line, _col, message, _type in checker.run()}
