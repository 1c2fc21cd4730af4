"""flake8 over the bundled fixtures prints exactly the marked findings, each in one of its rule's messages."""

from __future__ import annotations

import ast
import re

import pytest

from flake8_torch_pitfalls.checks import ALL_CHECKS, by_code
from flake8_torch_pitfalls.engine import check_source

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


def test_data_findings_say_the_fix_that_fits_the_use(fixture_run: list[dict[str, str]]) -> None:
    """TPF002 / TPF012: an in-place update gets the no_grad advice, `x.data = v` the copy_ / swap_tensors
    advice (never in-place advice alone), `loss.data[0]` `.item()`, `nn.init.*_(w.data)` "pass the tensor",
    a read `.detach()`; the "grad is already off" variants only where TPF012 reports no-grad code."""
    kinds = {"update": r"\.data(\[[^]]*\])?\s*[-+*/]=|\.data\[[^]]*\]\s*=[^=]|\.data(\[[^]]*\])?\.\w+_\(",
             "assign": r"\.data\s*=[^=]", "legacy_index": r"\.data(\.(cpu|cuda|numpy)\(\))*\[0\]"}
    seen = set()
    for row in fixture_run:
        if row["code"] not in ("TPF002", "TPF012"):
            continue
        source = (ROOT / row["path"]).read_text().splitlines()[int(row["line"]) - 1]
        at = source[int(row["col"]) - 1:]
        kind = next((k for k, pattern in kinds.items() if re.match(r"[\w.]*(\[[^]]*\])?(?:" + pattern + ")", at)),
                    "read")
        if re.search(r"nn\.init\.\w+_\($", source[:int(row["col"]) - 1]):
            kind = "init_argument"
        allowed = {"update": {"update", "update_no_grad"}, "assign": {"assign", "replace", "share"},
                   "legacy_index": {"legacy_index"}, "read": {"read", "read_no_grad"},
                   "init_argument": {"init_argument"}}[kind]
        if row["code"] == "TPF002":
            allowed = {key for key in allowed if not key.endswith("_no_grad")}
        messages = by_code(row["code"]).messages
        matching = {key for key in allowed if messages[key].pattern().fullmatch(row["text"])}
        assert matching, row
        seen |= matching
    assert seen == {"update", "update_no_grad", "assign", "replace", "legacy_index", "read", "read_no_grad",
                    "init_argument", "share"}


def test_the_range_fix_keeps_the_end_whatever_its_expression() -> None:
    """`+ step` must bind to the whole end: a conditional end is parenthesised, a sum is not."""
    source = "import torch\n\ndef f(a, b, c, n):\n    return torch.range(0, a if c else b), torch.range(1, n - 1, 2)\n"
    fixes = [finding.message.split("; use ", 1)[1] for finding in check_source(source)]
    assert fixes[0].startswith("torch.arange(0, (a if c else b) + 1, 1, dtype=torch.get_default_dtype())")
    assert fixes[1].startswith("torch.arange(1, n - 1 + 2, 2, dtype=torch.get_default_dtype())")
