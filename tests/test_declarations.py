"""One place per rule: what is derived from the rule modules is current, and a broken rule fails at once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_torch_pitfalls.analysis.events import EVENTS, Subscriber, UnknownEvent
from flake8_torch_pitfalls.checks import ALL_CHECKS, KNOWN_CODES, Check
from flake8_torch_pitfalls.checks.declaration import Message, Page, Raises
from flake8_torch_pitfalls.docs import generated_files, rules_table

from .helpers import ROOT

PAGE = Page(pitfall="p", runtime="r", fix="f", flagged="fl", silent="s")


def test_generated_files_are_current() -> None:
    stale = [str(path.relative_to(ROOT)) for path, text in generated_files(ROOT).items()
             if not path.is_file() or path.read_text() != text]
    assert stale == [], "stale generated files: run `python scripts/generate.py`"


def test_a_stale_page_or_table_is_caught_and_rewritten(tmp_path: Path) -> None:
    """The real script on a copy of the checkout: --check finds an edited page, a plain run restores it."""
    for part in ("README.md", "rules", "scripts", "flake8_torch_pitfalls", "fixtures"):
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, tmp_path / part)
    page = tmp_path / "rules" / "TPF004.md"
    page.write_text(page.read_text().replace("accepts nothing else", "accepts anything"))
    readme = tmp_path / "README.md"
    readme.write_text(readme.read_text().replace("| [TPF005]", "| [TPF005-edited]"))
    script = [sys.executable, str(tmp_path / "scripts" / "generate.py")]
    check = subprocess.run([*script, "--check"], capture_output=True, text=True, cwd=tmp_path)
    assert check.returncode == 1
    assert set(check.stdout.splitlines()) == {
        "stale: rules/TPF004.md (run python scripts/generate.py)", "stale: README.md (run python scripts/generate.py)"}
    assert subprocess.run(script, capture_output=True, text=True, cwd=tmp_path).returncode == 0
    assert page.read_text() == (ROOT / "rules" / "TPF004.md").read_text()
    assert subprocess.run([*script, "--check"], capture_output=True, text=True, cwd=tmp_path).returncode == 0


def test_readme_table_lists_every_rule_once() -> None:
    table = rules_table()
    assert table in (ROOT / "README.md").read_text()
    assert [line.split("]")[0].lstrip("| [") for line in table.splitlines()[2:]] == [c.code for c in ALL_CHECKS]
    assert KNOWN_CODES == {c.code for c in ALL_CHECKS}


def test_every_message_names_its_fix_and_fills_its_fields() -> None:
    for check in ALL_CHECKS:
        for message in check.messages.values():
            rendered = message.render(**{field: "X" for field in message.fields})
            assert message.pattern().fullmatch(rendered)
    with pytest.raises(ValueError, match="not part of the message"):
        Message("something is wrong", fix="do this")
    with pytest.raises(ValueError, match="takes"):
        Message("{what} is wrong; do this", fix="do this").render()


def test_a_handler_for_an_event_nothing_emits_fails_at_definition() -> None:
    with pytest.raises(UnknownEvent, match="visit_Loop"):
        class Listener(Subscriber):
            def visit_Loop(self, node: object, at: object) -> None: ...
    assert "visit_For" in EVENTS and "visit_Call" in EVENTS and "visit_Return" in EVENTS


def test_a_rule_missing_part_of_its_declaration_fails_at_definition() -> None:
    with pytest.raises(TypeError, match="declare"):
        class Incomplete(Check):
            code = "TPF999"
            title = "t"
    with pytest.raises(TypeError, match="tpfNNN_<slug>"):
        class Misplaced(Check):  # defined in a module that is not named for a rule
            code = "TPF999"
            title = summary = fix_summary = "t"
            messages = {"m": Message("m; fix", fix="fix")}
            page = PAGE
            expectation = Raises("RuntimeError", ("x",))
            triggers = (("x",),)


def test_the_opt_in_codes_flake8_reads_at_start_up_are_the_declared_ones() -> None:
    from flake8_torch_pitfalls.checks import ALL_CHECKS
    from flake8_torch_pitfalls.defaults import ALL_CODES, OFF_BY_DEFAULT

    assert OFF_BY_DEFAULT == {check.code for check in ALL_CHECKS if not check.default_enabled}
    assert ALL_CODES == {check.code for check in ALL_CHECKS}
