"""Output formats of the standalone command: text, json, GitHub annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/flake8-torch-pitfalls/"


@dataclass(frozen=True)
class Reported:
    """One finding in one file, as the standalone command prints it (column 1-based, like flake8)."""

    path: str
    line: int
    column: int
    code: str
    message: str  # without the leading code


@dataclass(frozen=True)
class RuleInfo:
    """What SARIF says of a rule (from its declaration)."""

    code: str
    title: str
    summary: str
    help_markdown: str


def text(findings: Sequence[Reported]) -> str:
    return "".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n" for f in findings)


def as_json(findings: Sequence[Reported]) -> str:
    rows = [{"path": f.path, "line": f.line, "column": f.column, "code": f.code, "message": f.message}
            for f in findings]
    return json.dumps(rows, indent=2) + "\n"


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Reported]) -> str:
    """GitHub Actions workflow commands: one warning annotation per finding."""
    return "".join(
        f"::warning file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={_escape_property(f.code)}::{_escape_data(f.code + ' ' + f.message)}\n"
        for f in findings
    )


def sarif(findings: Sequence[Reported], rules: Sequence[RuleInfo]) -> str:
    """SARIF 2.1.0, as GitHub code scanning accepts it (relative URIs under %SRCROOT%)."""
    index = {rule.code: i for i, rule in enumerate(rules)}
    driver = {
        "name": "torch-pitfalls",
        "informationUri": INFORMATION_URI,
        "version": __version__,
        "rules": [
            {
                "id": rule.code,
                "name": rule.code,
                "shortDescription": {"text": rule.title},
                "fullDescription": {"text": rule.summary},
                "help": {"text": rule.help_markdown, "markdown": rule.help_markdown},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["pytorch", "correctness"]},
            }
            for rule in rules
        ],
    }
    results = []
    for f in findings:
        result: dict[str, object] = {
            "ruleId": f.code,
            "level": "warning",
            "message": {"text": f"{f.code} {f.message}"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": Path(f.path).as_posix(), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.column},
                }
            }],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
           "runs": [{"tool": {"driver": driver}, "results": results, "columnKind": "unicodeCodePoints"}]}
    return json.dumps(log, indent=2) + "\n"
