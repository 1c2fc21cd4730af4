"""Never break the user's lint run: generated programs, mutations, odd input, huge files."""

from __future__ import annotations

import ast
import os
import random
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flake8_torch_pitfalls.engine import SourceNotParsed, check_source
from flake8_torch_pitfalls.runtime import confirm

from .helpers import FIXTURES, flake8, parse_output

EXAMPLES = int(os.environ.get("TORCH_PITFALLS_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
TRIGGERS = "\nx = torch.randn(2, 3).t().view(-1).data\ny = torch.from_numpy([1]) @ x\nloss = 0\n"
FIXTURE_TEXTS = [p.read_text() for p in sorted(FIXTURES.glob("TPF*.py"))]


def _never_raises(source: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        assume(False)
    try:
        check_source(source)
    except SourceNotParsed:
        pass


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles what it generates
@FUZZ
@given(program=hypothesmith.from_grammar())
def test_generated_programs_never_raise(program: str) -> None:
    _never_raises("import torch\n" + program + TRIGGERS)


@FUZZ
@given(data=st.data())
def test_mutated_fixtures_never_raise(data: st.DataObject) -> None:
    lines = data.draw(st.sampled_from(FIXTURE_TEXTS)).splitlines(keepends=True)
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(lines) - 1))
        op = data.draw(st.sampled_from(["delete", "duplicate", "dedent", "swap", "truncate", "form feed"]))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        elif op == "swap" and i + 1 < len(lines):
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op == "truncate":
            lines[i] = lines[i][: len(lines[i]) // 2] + "\n"
        elif op == "form feed":
            lines.insert(i, data.draw(st.sampled_from(["\x0c\n", "\x0b\n", "# \x85\u2028\n"])))
        if not lines:
            lines = ["import torch\n"]
    _never_raises("".join(lines).replace("\n", data.draw(st.sampled_from(["\n", "\r\n", "\r"]))))


ODD_FILES: dict[str, bytes] = {
    "latin1.py": (b"# -*- coding: latin-1 -*-\nimport torch\ns = '\xe9'\n"
                  b"w = torch.zeros(3, requires_grad=True)\nw.add_(1)\n"),
    "bom.py": b"\xef\xbb\xbfimport torch\nw = torch.zeros(3, requires_grad=True)\nw.add_(1)\n",
    "crlf.py": b"import torch\r\nw = torch.zeros(3, requires_grad=True)\r\nw.add_(1)\r\n",
    "tabs.py": b"import torch\nif True:\n\tw = torch.zeros(3, requires_grad=True)\n\tw.add_(1)\n",
    "star.py": (b"from torch import *\nw = zeros(3, requires_grad=True)\nw.add_(1)\n"
                b"y = mm(randn(3, 4), randn(4, 2, dtype=float64))\n"),
    "empty.py": b"",
    "deep.py": b"import torch\nx = " + b"(" * 150 + b"torch.randn(3, 4).t().view(-1)" + b")" * 150 + b"\n",
    "nested.py": b"import torch\n" + b"".join(b"    " * i + b"if x:\n" for i in range(60))
                 + b"    " * 60 + b"y = torch.randn(2, 3).t().view(-1)\n",
    "libcst_rejects.py": b"import torch\nz = () if 0 else(lambda:())\nw = torch.zeros(3, requires_grad=True)\n"
                         b"w.add_(1)\n\n\ndef f():\n    return () if 0 else(lambda:())\n",
    "py312.py": b"import torch\ntype Alias = list[int]\nw = torch.zeros(3, requires_grad=True)\nw.add_(1)\n",
    "one_mb_line.py": b"import torch\nx = [" + b", ".join([b"torch.randn(2)"] * 70_000) + b"]\n",
}
EXPECTED = {  # (line, code) per file; None: flake8 itself rejects the file (E999), the plugin never runs
    "latin1.py": {(5, "TPF006")}, "bom.py": {(3, "TPF006")}, "crlf.py": {(3, "TPF006")},
    "tabs.py": {(4, "TPF006")}, "star.py": {(3, "TPF006"), (4, "TPF005")}, "empty.py": set(),
    "deep.py": {(2, "TPF003")}, "nested.py": {(62, "TPF003")},
    "libcst_rejects.py": {(4, "TPF006")}, "py312.py": None, "one_mb_line.py": set(),
}


def test_odd_files_through_real_flake8(tmp_path: Path) -> None:
    """One flake8 run over all of them: no traceback, and every other file's findings intact."""
    for name, content in ODD_FILES.items():
        (tmp_path / name).write_bytes(content)
    result = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "TPF,E999", "."],
                            capture_output=True, text=True, cwd=tmp_path, timeout=900)
    assert "Traceback" not in result.stderr and "flake8-torch-pitfalls" not in result.stderr, result.stderr
    got: dict[str, set[tuple[int, str]]] = {name: set() for name in ODD_FILES}
    for line in result.stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        got[Path(path).name].add((int(number), rest.split()[0]))
    for name, expected in EXPECTED.items():
        if expected is None:
            assert {code for _, code in got[name]} == {"E999"}, name
        else:
            assert got[name] == expected, name


def test_long_functions_with_match_and_try_through_flake8(tmp_path: Path) -> None:
    """The nesting bound walks long regions' statements: a `match` case and an `except` handler are not
    statements themselves (a case has no line number), and the findings beside them still print."""
    padding = "".join(f"    v{i} = torch.randn(2, 3)  # padding that makes the region long\n" for i in range(60))
    source = ("import torch\n\n\ndef route(kind, x):\n" + padding
              + "    match kind:\n        case 'flat':\n            return x.t().view(-1)\n"
              + "        case _:\n            try:\n                return x\n            except ValueError:\n"
              + "                return x.t().view(-1)\n")
    (tmp_path / "routes.py").write_text(source)
    result = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "TPF", "routes.py"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.stderr == ""
    assert [line.split(":")[1] for line in result.stdout.splitlines()] == ["67", "72"]


def test_a_400_deep_method_chain(tmp_path: Path) -> None:
    """flake8's own pyflakes overflows on this file (and aborts flake8), so our engine is driven directly."""
    (tmp_path / "chain.py").write_text("import torch\nx = torch.randn(2, 3)" + ".float()" * 400 + ".t().view(-1)\n")
    result = subprocess.run([sys.executable, "-m", "flake8_torch_pitfalls.cli", "check", "-q", "chain.py"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert result.stderr == ""
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()] == ["TPF003"]


def test_stdin_with_crlf_and_bom() -> None:
    text = "\ufeffimport torch\r\nw = torch.zeros(3, requires_grad=True)\r\nw.add_(1)\r\n"
    rows = parse_output(flake8("-", stdin=text).stdout)
    assert [(r["line"], r["code"]) for r in rows] == [("3", "TPF006")]


def test_huge_generated_file_finishes_with_every_finding(tmp_path: Path) -> None:
    body = "".join(f"def f{i}(a):\n    w = torch.zeros(3, requires_grad=True)\n    w.add_(1)\n    return a\n\n\n"
                   for i in range(8334))
    path = tmp_path / "generated.py"
    path.write_text("import torch\n\n\n" + body)
    assert len(path.read_text().splitlines()) >= 50_000
    rows = parse_output(flake8(str(path)).stdout)
    assert len(rows) == 8334 and {r["code"] for r in rows} == {"TPF006"}
    assert [int(r["line"]) for r in rows[:2]] == [6, 12]


def test_pieces_too_large_to_parse_at_once(tmp_path: Path) -> None:
    """A class larger than one LibCST parse may hold (MAX_PARSED_CHARS) is analysed a few methods at a
    time, nested classes included; a data table that large is skipped, and the code after it is not."""
    from flake8_torch_pitfalls.regions import MAX_PARSED_CHARS, plan
    from flake8_torch_pitfalls.triggers import Triggers

    method = "        def loss{i}(self):\n            x = torch.randn(3) * 2\n            x.data.zero_()\n" \
             "            return x, {pad!r}\n\n"
    methods = "".join(method.format(i=i, pad="p" * 40) for i in range(3000))
    table = "TABLE = [\n" + "    (torch.float32, 'row'),\n" * (MAX_PARSED_CHARS // 25) + "]\n"
    source = ("import torch\n\n\nclass Outer:\n    class Inner:\n        def __init__(self):\n"
              "            self.n = 1\n\n" + methods + "\n" + table
              + "\n\ndef after_loss():\n    y = torch.zeros(3) + 1\n    y.data.zero_()\n")
    assert len(methods) > 2 * MAX_PARSED_CHARS and len(table) > MAX_PARSED_CHARS
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    pieces = [r for r in plan(tree, Triggers(source, [("data",)]).outside_prose(tree, lines), lines)
              if isinstance(r.statements[0], ast.ClassDef)]
    assert len(pieces) >= 3 and all(r.parse for r in pieces)  # the scenario really splits the class
    path = tmp_path / "big.py"
    path.write_text(source)
    expected = [number for number, text in enumerate(source.splitlines(), start=1)
                if "x.data.zero_()" in text or "y.data.zero_()" in text]
    rows = parse_output(flake8(str(path)).stdout)
    assert [int(r["line"]) for r in rows] == expected
    assert len(expected) == 3001 and {r["code"] for r in rows} == {"TPF002"}


def test_an_internal_error_is_one_line_and_the_run_goes_on(tmp_path: Path) -> None:
    """Our own engine is made to fail on one file (flake8 and the other file are real)."""
    (tmp_path / "boom.py").write_text("import torch\n# BOOM\nx = torch.randn(2, 3).t().view(-1)\n")
    (tmp_path / "fine.py").write_text("import torch\nx = torch.randn(2, 3).t().view(-1)\n")
    probe = textwrap.dedent(
        """
        import sys
        import flake8_torch_pitfalls.engine as engine
        real = engine.check_source
        def failing(source, *args, **kwargs):
            if "BOOM" in source:
                raise KeyError("simulated defect")
            return real(source, *args, **kwargs)
        engine.check_source = failing
        from flake8.main.cli import main
        main(["--isolated", "--select", "TPF", "-j", "1", "boom.py", "fine.py"])
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert result.stderr.strip().splitlines() == [
        "flake8-torch-pitfalls: internal error on boom.py: KeyError: 'simulated defect'; "
        "no TPF findings reported for this file"]
    assert [r["path"] for r in parse_output(result.stdout)] == ["fine.py"]


def test_an_engine_that_cannot_load_is_one_line_and_other_plugins_still_report(tmp_path: Path) -> None:
    """libcst made unimportable (as when it is missing or broken); flake8 and pyflakes are real."""
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("import os\nimport torch\nx = torch.randn(2, 3).t().view(-1)\n")
    probe = textwrap.dedent(
        """
        import sys
        sys.modules["libcst"] = None  # `import libcst` now raises ImportError
        from flake8.main.cli import main
        main(["--isolated", "--select", "F,TPF", "-j", "1", "a.py", "b.py"])
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert result.stderr.strip().splitlines() == [
        "flake8-torch-pitfalls: cannot load its engine (ModuleNotFoundError: import of libcst halted; "
        "None in sys.modules); no TPF findings are reported"]
    assert result.stdout.splitlines() == ["a.py:1:1: F401 'os' imported but unused",
                                          "b.py:1:1: F401 'os' imported but unused"]


def test_linting_never_executes_the_code(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    (tmp_path / "trap.py").write_text(f"import torch\nopen({str(marker)!r}, 'w').write('ran')\n"
                                      "x = torch.randn(2, 3).t().view(-1)\n")
    assert parse_output(flake8(str(tmp_path / "trap.py")).stdout)
    subprocess.run([sys.executable, "-m", "flake8_torch_pitfalls.cli", "check", str(tmp_path)], capture_output=True)
    assert not marker.exists()


def test_companion_runs_only_its_own_fixtures() -> None:
    for rule in ("../../etc/passwd", "TPF001/../x", "tpf 1"):
        with pytest.raises(ValueError):
            confirm(rule, "cpu")


def test_random_bytes_never_crash_the_standalone_command(tmp_path: Path) -> None:
    rng = random.Random(7)
    for i in range(20):
        (tmp_path / f"noise{i}.py").write_bytes(b"import torch\n" + bytes(rng.randrange(256) for _ in range(400)))
    result = subprocess.run([sys.executable, "-m", "flake8_torch_pitfalls.cli", "check", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr


def test_what_triggered_code_calls_is_parsed_within_a_budget() -> None:
    """A triggered function's helpers are parsed (what they return is what it reasons about), but only a
    bounded number of lines beyond what holds a trigger: a library's worth of helpers stays unparsed."""
    from flake8_torch_pitfalls.regions import Budget, plan
    from flake8_torch_pitfalls.triggers import Triggers

    helper = "def helper{i}(x):\n" + "    x = x + 1\n" * 20 + "    return x\n\n\n"
    calls = "".join(f"    y = helper{i}(y)\n" for i in range(40))
    source = ("import torch\n\n\n" + "".join(helper.format(i=i) for i in range(40))
              + "def uses(y):\n" + calls + "    return y.data\n")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    regions = plan(tree, Triggers(source, [(r"\.data",)]).outside_prose(tree, lines), lines)
    parsed_helpers = [r for r in regions if r.parse and isinstance(r.statements[0], ast.FunctionDef)
                      and r.statements[0].name.startswith("helper")]
    extra = sum(r.end - r.start + 1 for r in parsed_helpers)
    assert parsed_helpers, "the helpers a triggered function calls are parsed"
    assert extra <= max(Budget.MIN_LINES, int(len(lines) * Budget.SHARE)), "within the budget"
    assert len(parsed_helpers) < 40


def test_a_function_interpreted_again_reports_each_finding_once() -> None:
    """The helper is read once with an unknown argument (the view may raise) and again with what its only
    call hands it (it raises): one finding, the one that knows more."""
    from flake8_torch_pitfalls.engine import check_source

    source = ("import torch\n\n\ndef flat(x):\n    return x.t().view(-1)\n\n\n"
              "def run():\n    return flat(torch.randn(3, 4))\n")
    found = check_source(source)
    assert [(f.line, f.code) for f in found] == [(5, "TPF003")]
    assert "unless" not in found[0].message


LINE_BOUNDARY_FILES = {  # issue 16's reproducers: lines mean what Python and flake8 mean
    "form_feed.py": (b"import torch\n\x0c\nw = torch.zeros(3, requires_grad=True)\nw.add_(1)\n", {(4, "TPF006")}),
    "cr_only.py": (b"import torch\r\rdef f():\r    x = torch.randn(2, 3)\r    return x.t().view(-1)\r",
                   {(5, "TPF003")}),
    "crlf.py": (b"import torch\r\n\r\ndef f():\r\n    x = torch.randn(2, 3)\r\n    return x.t().view(-1)\r\n",
                {(5, "TPF003")}),
    "separators.py": (("import torch\n\x0c\ndef f():\n    x = torch.randn(2, 3)  # a\x85b \u2028 c \x0b d \x1c\n"
                      "    return x.t().view(-1)\n").encode(), {(5, "TPF003")}),
    "noqa_cr.py": (b"import torch\nw = torch.zeros(3, requires_grad=True)\r\x0c\r"
                   b"w.add_(1)  # noqa: TPF006\rw.mul_(2)\r",
                   {(5, "TPF006")}),
}


@pytest.mark.parametrize("door", ["flake8", "standalone"])
def test_line_boundaries_through_both_doors(tmp_path: Path, door: str) -> None:
    for name, (content, _) in LINE_BOUNDARY_FILES.items():
        (tmp_path / name).write_bytes(content)
    command = ([sys.executable, "-m", "flake8", "--isolated", "--select", "TPF,E9", "."] if door == "flake8" else
               [sys.executable, "-m", "flake8_torch_pitfalls.cli", "check", "-q", "."])
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    got: dict[str, set[tuple[int, str]]] = {name: set() for name in LINE_BOUNDARY_FILES}
    for line in result.stdout.splitlines():
        path, number, _col, rest = line.split(":", 3)
        got[Path(path).name].add((int(number), rest.split()[0]))
    assert got == {name: expected for name, (_, expected) in LINE_BOUNDARY_FILES.items()}, result.stderr


def test_a_chain_too_deep_for_libcst_is_skipped_and_said(tmp_path: Path) -> None:
    """LibCST takes seconds on a 2,892-deep subscript chain (issue 16): that statement is left out, by name."""
    (tmp_path / "deep.py").write_text("import torch\nx = torch.randn(2, 3)" + "[0]" * 2892 +
                                      "\ny = torch.randn(2, 3).t().view(-1)\n")
    result = subprocess.run([sys.executable, "-m", "flake8_torch_pitfalls.cli", "check", "-q", "deep.py"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()] == ["TPF003"]
    assert result.stderr == ("torch-pitfalls: deep.py:2-2: not checked: nested 2896 levels deep; LibCST is given at "
                             "most 1000 (its parse time grows with the square of the depth) (its findings, if any, "
                             "are missing)\n")
