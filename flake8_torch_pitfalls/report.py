"""Output formats of the standalone command: text (with the source line, or concise), JSON, GitHub
annotations, GitLab Code Quality and SARIF 2.1.0; the statistics table and the closing summary."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from . import HOMEPAGE, __version__, rule_url

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
#: Raised whenever a JSON field is removed or changes meaning (adding a field keeps it); see report.schema.json.
JSON_SCHEMA_VERSION = 1
#: What a file that was not checked is reported as: flake8's own codes for the same failures.
NOT_CHECKED = {"E902": "file could not be read or decoded", "E999": "file is not valid Python"}


@dataclass(frozen=True)
class Reported:
    """One finding in one file, as the standalone command prints it (columns 1-based, like flake8;
    the end exclusive)."""

    path: str
    line: int
    column: int
    code: str
    message: str  # without the leading code
    end_line: int = 0
    end_column: int = 0
    fix: str = ""  # the fix alone (a `help:` line)
    line_text: str = ""  # the source line the finding starts on
    severity: str = "warning"  # "error": the file could not be checked (E902, E999)


@dataclass(frozen=True)
class RuleInfo:
    """What SARIF says of a rule (from its declaration)."""

    code: str
    title: str
    summary: str
    help_markdown: str


@dataclass(frozen=True)
class Style:
    """ANSI colour, on only for a terminal (NO_COLOR wins over it; FORCE_COLOR wins over both)."""

    colour: bool = False

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour and text else text

    @classmethod
    def for_stream(cls, isatty: bool, environ: Mapping[str, str] = os.environ) -> Style:
        if environ.get("FORCE_COLOR"):
            return cls(True)
        return cls(isatty and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb")


BOLD, RED, CYAN, BLUE, YELLOW = "1", "1;31", "36", "1;34", "33"


def text(findings: Sequence[Reported], style: Style = Style(), source: bool = True) -> str:
    """flake8's `path:line:col: CODE message` lines; with `source`, each followed by its line, a caret
    under the flagged expression and the fix (as ruff prints them)."""
    out = []
    for f in findings:
        head = (f"{style(f.path, BOLD)}:{f.line}:{f.column}: "
                f"{style(f.code, RED if f.severity == 'error' else YELLOW)} {f.message}\n")
        out.append(head)
        if source and f.line_text:
            out.append(_snippet(f, style))
        elif source and f.fix:
            out.append(f"  = {style('help', CYAN)}: {f.fix}\n\n")
    return "".join(out)


def _snippet(f: Reported, style: Style) -> str:
    number = str(f.line)
    gutter = " " * len(number)
    start = max(f.column - 1, 0)
    stop = f.end_column - 1 if f.end_line == f.line and f.end_column > f.column else len(f.line_text)
    pad = "".join("\t" if ch == "\t" else " " for ch in f.line_text[:start])
    carets = "^" * max(stop - start, 1)
    bar = style("|", BLUE)
    lines = [f"{gutter} {bar}\n", f"{style(number, BLUE)} {bar} {f.line_text}\n",
             f"{gutter} {bar} {pad}{style(carets, RED)} {style(f.code, RED)}\n"]
    if f.fix:
        lines += [f"{gutter} {bar}\n", f"{gutter} = {style('help', CYAN)}: {f.fix}\n"]
    return "".join(lines) + "\n"


def summary(findings: Sequence[Reported], files: int, style: Style = Style()) -> str:
    """The closing line: how many problems in how many of the files, or that all passed."""
    if not findings:
        return style(f"All checks passed: {_count(files, 'file')} checked.", BOLD) + "\n"
    where = len({f.path for f in findings})
    failed = len({f.path for f in findings if f.severity == "error"})
    unchecked = f"; {_count(failed, 'file')} could not be checked" if failed else ""
    return style(f"Found {_count(len(findings), 'problem')} in {where} of {_count(files, 'file')}{unchecked}.",
                 BOLD) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def statistics(findings: Sequence[Reported], summaries: Mapping[str, str]) -> str:
    """One line per code, most frequent first: count, code, what the rule catches."""
    counts = Counter(f.code for f in findings)
    width = len(str(max(counts.values(), default=0)))
    return "".join(f"{count:>{width}}\t{code}\t{summaries.get(code, NOT_CHECKED.get(code, ''))}\n"
                   for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def as_json(findings: Sequence[Reported], files: int) -> str:
    """The documented JSON report (`report.schema.json`)."""
    rows = [{"path": f.path, "line": f.line, "column": f.column, "end_line": f.end_line or f.line,
             "end_column": f.end_column or f.column, "code": f.code, "message": f.message, "fix": f.fix or None,
             "severity": f.severity, "url": None if f.code in NOT_CHECKED else rule_url(f.code)}
            for f in findings]
    report = {"schema_version": JSON_SCHEMA_VERSION, "tool": {"name": "torch-pitfalls", "version": __version__},
              "files_checked": files, "findings": rows}
    return json.dumps(report, indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Reported]) -> str:
    """GitHub Actions workflow commands: one annotation per finding (an error for a file not checked)."""
    return "".join(
        f"::{f.severity} file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={_escape_property(f.code)}::{_escape_data(f.code + ' ' + f.message)}\n"
        for f in findings
    )


def gitlab(findings: Sequence[Reported]) -> str:
    """GitLab Code Quality (a CodeClimate subset): fingerprints stable while the finding's line text stays."""
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for f in findings:
        key = (f.path, f.code, f.line_text.strip() or f.message)
        seen[key] += 1
        fingerprint = hashlib.sha256("\0".join((*key, str(seen[key]))).encode()).hexdigest()
        issues.append({"description": f"{f.code} {f.message}", "check_name": f.code, "fingerprint": fingerprint,
                       "severity": "blocker" if f.severity == "error" else "major",
                       "location": {"path": Path(f.path).as_posix(), "lines": {"begin": f.line}}})
    return json.dumps(issues, indent=2) + "\n"


def _artifact(path: str, root: Path) -> dict[str, str]:
    """A relative, percent-encoded URI under %SRCROOT% when the file lies under `root`; else a file: URI."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": "%SRCROOT%"}


def sarif(findings: Sequence[Reported], rules: Sequence[RuleInfo], root: Path | None = None) -> str:
    """SARIF 2.1.0, as GitHub code scanning accepts it (URIs relative to %SRCROOT%, the working directory)."""
    root = Path(os.path.abspath(root or Path.cwd()))
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver = {
        "name": "torch-pitfalls",
        "informationUri": HOMEPAGE,
        "version": __version__,
        "rules": [
            {
                "id": rule.code,
                "name": rule.code,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.summary},
                "helpUri": rule_url(rule.code),
                "help": {"text": rule.help_markdown, "markdown": rule.help_markdown},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["pytorch", "correctness"]},
            }
            for rule in rules
        ],
    }
    results = []
    for f in findings:
        region = {"startLine": f.line, "startColumn": f.column}
        if f.end_line:
            region |= {"endLine": f.end_line, "endColumn": f.end_column}
        result: dict[str, object] = {
            "ruleId": f.code,
            "level": f.severity,
            "message": {"text": f"{f.code} {f.message}"},
            "locations": [{"physicalLocation": {"artifactLocation": _artifact(f.path, root), "region": region}}],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    run = {"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints",
           "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}}}
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2) + "\n"
