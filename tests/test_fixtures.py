"""flake8 over the bundled fixtures prints exactly the marked findings, each naming its fix."""

from __future__ import annotations

import ast
import re

import pytest

from flake8_torch_pitfalls.checks import ALL_CHECKS

from .helpers import FIXTURE_FILES, ROOT, expectations, flake8, parse_output

FIX_WORDS = {
    "TPF001": ".item()",
    "TPF002": ".detach()",
    "TPF003": ".contiguous()",
    "TPF004": "torch.tensor(",
    "TPF005": "convert one operand",
    "TPF006": "torch.no_grad()",
}


@pytest.fixture(scope="module")
def fixture_run() -> list[dict[str, str]]:
    result = flake8(*(str(p.relative_to(ROOT)) for p in FIXTURE_FILES))
    assert result.stderr == ""
    return parse_output(result.stdout)


def test_every_check_has_a_fixture() -> None:
    codes = {p.name[:6] for p in FIXTURE_FILES}
    assert codes == {check.code for check in ALL_CHECKS}


def test_findings_equal_markers_exactly(fixture_run: list[dict[str, str]]) -> None:
    got = {(row["path"], int(row["line"]), row["code"]) for row in fixture_run}
    want = {(str(p.relative_to(ROOT)), line, code) for p in FIXTURE_FILES for line, code in expectations(p)}
    assert sorted(got - want) == [], "flagged but not marked"
    assert sorted(want - got) == [], "marked but not flagged"


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_shape(path) -> None:
    """Each fixture flags >= 12 lines of its own code, keeps >= 12 silent look-alikes, and runs."""
    text = path.read_text()
    marks = expectations(path)
    assert len(marks) >= 12
    assert {code for _, code in marks} == {path.name[:6]}
    silent_section = text.split("static cases: silent", 1)[1].split("\n", 1)[1]
    silent_statements = [
        node for node in ast.walk(ast.parse(silent_section))
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)) and not (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    assert len(silent_statements) >= 12
    functions = {n.name for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}
    assert {"bad", "good"} <= functions


def test_messages_name_the_fix(fixture_run: list[dict[str, str]]) -> None:
    for row in fixture_run:
        fix = FIX_WORDS[row["code"]]
        if row["code"] == "TPF002":
            source = (ROOT / row["path"]).read_text().splitlines()[int(row["line"]) - 1]
            is_update = re.search(r"\.data(\[[^]]*\])?\s*[-+*/]?=[^=]|\.data\.\w+_\(", source) is not None
            fix = "with torch.no_grad():" if is_update else ".detach()"
        assert fix in row["text"], row
