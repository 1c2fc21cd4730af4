"""Property tests: findings follow the facts, not the spelling."""

from __future__ import annotations

import builtins
import keyword
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import FIXTURES, check_text, expectations

FIXTURE_TEXTS = {p.name[:6]: p.read_text() for p in sorted(FIXTURES.glob("TPF*.py"))}
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _names_used(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))


def _fresh_identifiers(text: str) -> st.SearchStrategy[str]:
    taken = _names_used(text) | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)
    return st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_]{0,11}\Z", fullmatch=True).filter(lambda n: n not in taken)


def rename_torch(text: str, alias: str) -> str:
    """`import torch` becomes `import torch as <alias>`, and every use of the module follows.

    Uses inside a function with a parameter named `torch` are that parameter, not the module: kept.
    """
    out = []
    shadow_indent: int | None = None
    for line in text.splitlines(keepends=True):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if shadow_indent is not None and stripped.strip() and indent <= shadow_indent:
            shadow_indent = None
        if re.match(r"def \w+\((?:[^)]*,)?\s*torch\s*[,)=:]", stripped):
            shadow_indent = indent
        if shadow_indent is not None:
            out.append(line)
        elif stripped.startswith(("import ", "from ")):
            out.append(line.replace("import torch\n", f"import torch as {alias}\n") if stripped == "import torch\n"
                       else line)
        else:
            out.append(re.sub(r"(?<![\w.])torch\.", f"{alias}.", line))
    return "".join(out)


@FAST
@given(data=st.data(), code=st.sampled_from(sorted(FIXTURE_TEXTS)))
def test_renaming_the_torch_alias_keeps_the_findings(data: st.DataObject, code: str) -> None:
    text = FIXTURE_TEXTS[code]
    alias = data.draw(_fresh_identifiers(text))
    renamed = rename_torch(text, alias)
    assert renamed != text
    assert check_text(renamed) == check_text(text) == expectations(FIXTURES / "x", text)


def _flagged_lines(code: str) -> list[int]:
    return sorted(line for line, c in expectations(FIXTURES / "x", FIXTURE_TEXTS[code]) if c == code)


def _without(findings: set[tuple[int, str]], line: int, code: str, shift: int = 0) -> set[tuple[int, str]]:
    """Expected findings once `line` is fixed; lines after it move by `shift`."""
    return {(n + shift if n > line else n, c) for n, c in findings if (n, c) != (line, code)}


@FAST
@given(line=st.sampled_from(_flagged_lines("TPF006")))
def test_wrapping_a_tpf006_line_in_no_grad_removes_it(line: int) -> None:
    text = FIXTURE_TEXTS["TPF006"]
    lines = text.splitlines(keepends=True)
    original = lines[line - 1]
    indent = original[: len(original) - len(original.lstrip())]
    lines[line - 1] = f"{indent}with torch.no_grad():\n    {original}"
    assert check_text("".join(lines)) == _without(check_text(text), line, "TPF006", shift=1)


@FAST
@given(line=st.sampled_from(_flagged_lines("TPF003")))
def test_inserting_contiguous_before_a_flagged_view_removes_it(line: int) -> None:
    text = FIXTURE_TEXTS["TPF003"]
    lines = text.splitlines(keepends=True)
    head, sep, tail = lines[line - 1].rpartition(".view(")
    assert sep
    lines[line - 1] = f"{head}.contiguous().view({tail}"
    assert check_text("".join(lines)) == _without(check_text(text), line, "TPF003")


def _loss_lines() -> list[int]:
    lines = FIXTURE_TEXTS["TPF001"].splitlines()
    return [n for n in _flagged_lines("TPF001") if re.search(r"\bloss\b", lines[n - 1].split("#")[0])]


@FAST
@given(line=st.sampled_from(_loss_lines()))
def test_replacing_loss_by_loss_item_removes_tpf001(line: int) -> None:
    text = FIXTURE_TEXTS["TPF001"]
    lines = text.splitlines(keepends=True)
    code, _, comment = lines[line - 1].partition("#")
    lines[line - 1] = re.sub(r"\bloss\b", "loss.item()", code) + "#" + comment
    assert check_text("".join(lines)) == _without(check_text(text), line, "TPF001")


def _engine_findings(text: str) -> set[tuple[int, str]]:
    from flake8_torch_pitfalls.engine import check_source

    return {(found.line, found.code) for found in check_source(text)}


def _statement_starts(text: str) -> list[int]:
    """Lines where a statement of the module begins: a blank line may go before any of them."""
    import ast

    return sorted({node.lineno for node in ast.walk(ast.parse(text)) if isinstance(node, ast.stmt)})


# What `str.splitlines()` breaks at and Python does not (form feed and vertical tab are whitespace to it).
NOT_NEWLINES = ["\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@FAST
@given(data=st.data(), code=st.sampled_from(sorted(FIXTURE_TEXTS)))
def test_a_form_feed_line_shifts_findings_by_exactly_one_line(data: st.DataObject, code: str) -> None:
    text = FIXTURE_TEXTS[code]
    at = data.draw(st.sampled_from(_statement_starts(text)))
    lines = text.splitlines(keepends=True)  # the fixtures hold no odd line boundaries
    indent = lines[at - 1][: len(lines[at - 1]) - len(lines[at - 1].lstrip())]
    lines.insert(at - 1, indent + "\x0c\n")
    expected = {(n + 1 if n >= at else n, c) for n, c in _engine_findings(text)}
    assert _engine_findings("".join(lines)) == expected


@FAST
@given(data=st.data(), code=st.sampled_from(sorted(FIXTURE_TEXTS)))
def test_odd_line_boundaries_in_comments_move_nothing(data: st.DataObject, code: str) -> None:
    text = FIXTURE_TEXTS[code]
    at = data.draw(st.sampled_from(_statement_starts(text)))
    boundary = data.draw(st.sampled_from(NOT_NEWLINES))
    lines = text.splitlines(keepends=True)
    lines[at - 1] = lines[at - 1].rstrip("\n") + f"  # one{boundary}two\n"
    assert _engine_findings("".join(lines)) == _engine_findings(text)


@FAST
@given(code=st.sampled_from(sorted(FIXTURE_TEXTS)), ending=st.sampled_from(["\r", "\r\n"]))
def test_cr_and_crlf_endings_keep_every_finding_on_its_line(code: str, ending: str) -> None:
    text = FIXTURE_TEXTS[code]
    assert _engine_findings(text.replace("\n", ending)) == _engine_findings(text) == expectations(FIXTURES / "x", text)
