"""flake8 over the bundled fixtures prints exactly the marked findings, each in one of its rule's messages."""

from __future__ import annotations

import ast
import re

import pytest

from flake8_torch_pitfalls.checks import ALL_CHECKS, by_code

from .helpers import FIXTURE_FILES, FIXTURES, ROOT, expectations, flake8, marked, parse_output


@pytest.fixture(scope="module")
def fixture_run() -> list[dict[str, str]]:
    result = flake8(*(str(p.relative_to(ROOT)) for p in FIXTURE_FILES))
    assert result.stderr == ""
    return parse_output(result.stdout)


def test_every_check_has_its_fixture_and_every_fixture_a_check() -> None:
    assert sorted(p.name for p in FIXTURE_FILES) == sorted(check.fixture_name() for check in ALL_CHECKS)
    assert all((FIXTURES / check.fixture_name()).is_file() for check in ALL_CHECKS)


def test_findings_equal_markers_exactly(fixture_run: list[dict[str, str]]) -> None:
    """Line, column and code of every finding, against the markers (`# expect: TPF003:12`)."""
    got = {(row["path"], int(row["line"]), int(row["col"]), row["code"]) for row in fixture_run}
    want = {(str(p.relative_to(ROOT)), line, column, code) for p in FIXTURE_FILES for line, column, code in marked(p)}
    assert sorted(got - want) == [], "flagged but not marked (or at another column)"
    assert sorted(want - got) == [], "marked but not flagged (or at another column)"


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


def test_each_finding_is_one_of_its_rules_messages(fixture_run: list[dict[str, str]]) -> None:
    """The text is a rendering of a declared message, so it names that message's fix."""
    for row in fixture_run:
        messages = by_code(row["code"]).messages
        matching = [name for name, message in messages.items() if message.pattern().fullmatch(row["text"])]
        assert len(matching) == 1, row
        assert messages[matching[0]].fix.split("{")[0] in row["text"], row


def test_tpf002_tells_updates_from_reads(fixture_run: list[dict[str, str]]) -> None:
    """An update through `.data` gets the no_grad advice; a read gets `.detach()`."""
    messages = by_code("TPF002").messages
    for row in fixture_run:
        if row["code"] != "TPF002":
            continue
        source = (ROOT / row["path"]).read_text().splitlines()[int(row["line"]) - 1]
        is_update = re.search(r"\.data(\[[^]]*\])?\s*[-+*/]?=[^=]|\.data\.\w+_\(", source) is not None
        expected = messages["update" if is_update else "read"]
        assert expected.pattern().fullmatch(row["text"]), row
