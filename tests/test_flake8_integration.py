"""What a flake8 user sees: positions, noqa, stdin, configs, and files that are not ours to judge."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from .helpers import ROOT, flake8, parse_output

PITFALLS = textwrap.dedent(
    """\
    import torch as th

    a = th.randn(3, 4)
    b = th.randn(4, 5, dtype=th.float64)
    c =   th.mm(a, b)
    d = a.t().view(-1)
    e = a.t().view(-1)  # noqa: TPF003
    f = a.t().view(-1)  # noqa: TPF001
    g = [a @ b]
    """
)


def test_columns_are_those_of_the_offending_expression(tmp_path) -> None:
    path = tmp_path / "pitfalls.py"
    path.write_text(PITFALLS)
    rows = parse_output(flake8(str(path)).stdout)
    got = [(int(r["line"]), int(r["col"]), r["code"]) for r in rows]
    assert got == [(5, 7, "TPF005"), (6, 5, "TPF003"), (8, 5, "TPF003"), (9, 6, "TPF005")]


def test_stdin_is_linted_from_the_lines_flake8_hands_over() -> None:
    rows = parse_output(flake8("-", stdin=PITFALLS).stdout)
    assert [(r["path"], int(r["line"]), r["code"]) for r in rows] == [
        ("stdin", 5, "TPF005"), ("stdin", 6, "TPF003"), ("stdin", 8, "TPF003"), ("stdin", 9, "TPF005")]


def test_extend_ignore_in_config_is_honoured(tmp_path) -> None:
    path = tmp_path / "pitfalls.py"
    path.write_text(PITFALLS)
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-ignore = TPF003\n")
    result = subprocess.run([sys.executable, "-m", "flake8", "--select", "TPF", "pitfalls.py"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert {r["code"] for r in parse_output(result.stdout)} == {"TPF005"}


def test_file_libcst_rejects_gets_no_findings_and_no_crash(tmp_path) -> None:
    # `ast` accepts this (Python 3.11), LibCST's parser may not; either way, never a crash.
    path = tmp_path / "odd.py"
    path.write_text("import torch\nx = torch.randn(2, 3)\nprint(f'{x!r:>{10}}')\ny = x.t().view(-1)\n")
    result = flake8(str(path))
    assert result.returncode in (0, 1)
    assert "Traceback" not in result.stderr
    assert all(r["code"] == "TPF003" for r in parse_output(result.stdout))


def test_files_without_torch_cost_nothing(tmp_path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("data = [1, 2]\nprint(data.data)\n")
    result = flake8(str(path))
    assert result.returncode == 0 and result.stdout == ""


def test_linting_never_imports_torch_nor_libcst_for_plain_files(tmp_path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("x = 1\n")
    torchy = tmp_path / "torchy.py"
    torchy.write_text("import torch\nx = torch.randn(2, 3)\ny = x.t().view(-1)\n")
    probe = textwrap.dedent(
        f"""
        import sys
        from flake8.main.cli import main
        try:
            main(["--isolated", "--select", "TPF", {str(path)!r}])
        except SystemExit:
            pass
        plain = ("libcst" in sys.modules, "torch" in sys.modules)
        try:
            main(["--isolated", "--select", "TPF", "-j", "1", {str(torchy)!r}])
        except SystemExit:
            pass
        print(plain, "libcst" in sys.modules, "torch" in sys.modules)
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip().splitlines()[-1] == "(False, False) True False", result.stdout + result.stderr


def test_a_torch_file_without_any_candidate_never_loads_libcst(tmp_path) -> None:
    """The rules' text triggers are asked first (from their light mirror): no rule can fire here."""
    quiet = tmp_path / "quiet.py"
    quiet.write_text("import torch\n\n\ndef act(x):\n    return torch.relu(x) + 1\n")
    result = _flake8_then_libcst_loaded("--select", "TPF", str(quiet))
    assert result.stdout.strip().splitlines() == ["False"], result.stdout + result.stderr


def _flake8_then_libcst_loaded(*args: str) -> subprocess.CompletedProcess[str]:
    """flake8 run in one process (`-j 1`), which then prints whether libcst was imported."""
    probe = textwrap.dedent(
        f"""
        import sys
        from flake8.main.cli import main
        try:
            main(["--isolated", "-j", "1", *{list(args)!r}])
        except SystemExit:
            pass
        print("libcst" in sys.modules)
        """
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)


def test_a_selection_without_tpf_codes_runs_no_analysis(tmp_path) -> None:
    """`--select E,W,F` shows nothing of ours, so libcst is never loaded and the other plugins still report;
    selecting one of our codes (or a prefix) still reports it."""
    torchy = tmp_path / "torchy.py"
    torchy.write_text("import torch\nw = torch.zeros(3, requires_grad=True)\nw.add_(1)\nimport os\n")
    result = _flake8_then_libcst_loaded("--select", "E,W,F", str(torchy))
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == "False", result.stdout + result.stderr
    assert {line.split()[1] for line in lines[:-1]} == {"F401", "E402"}, result.stdout

    def codes(*args: str) -> set[str]:
        done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args, str(torchy)],
                              capture_output=True, text=True, cwd=tmp_path)
        return {line.split()[1] for line in done.stdout.splitlines()}

    assert codes("--select", "E,TPF006") == {"E402", "TPF006"}
    assert codes("--select", "E", "--extend-select", "TPF") == {"E402", "TPF006"}
    assert codes("--extend-ignore", "TPF") == {"F401", "E402"}


def test_self_check_is_clean() -> None:
    result = flake8("flake8_torch_pitfalls")
    assert result.returncode == 0, result.stdout


def test_tpf012_is_off_by_default_and_on_with_extend_select(tmp_path) -> None:
    """The opt-in rule: plain flake8 (default selection) reports none of it; `--extend-select TPF012` and
    `extend-select` in the config report every marked line; the hazard (TPF002) is reported either way."""
    from .helpers import FIXTURES, marked

    fixture = FIXTURES / "TPF012_data_setup.py"
    hazard = "\n\ndef forward_loss(w: th.Tensor):\n    out = w.sigmoid()\n    out.data.zero_()\n    return out\n"
    source = fixture.read_text() + hazard
    source = source.replace("import torch\n", "import torch\nimport torch as th\n", 1)
    path = tmp_path / "setup_code.py"
    path.write_text(source)
    want = {(line + 1, column, code) for line, column, code in marked(fixture)}  # one import line added
    live = {(len(source.splitlines()) - 1, 5, "TPF002")}

    def tpf(*args: str, cwd=tmp_path) -> set[tuple[int, int, str]]:
        done = subprocess.run([sys.executable, "-m", "flake8", "--isolated", *args, "setup_code.py"],
                              capture_output=True, text=True, cwd=cwd)
        return {(int(r["line"]), int(r["col"]), r["code"]) for r in _rows(done.stdout) if r["code"].startswith("TPF")}

    assert tpf() == live
    assert tpf("--extend-select", "TPF012") == want | live
    (tmp_path / "setup.cfg").write_text("[flake8]\nextend-select = TPF012\n")
    done = subprocess.run([sys.executable, "-m", "flake8", "setup_code.py"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert {(int(r["line"]), int(r["col"]), r["code"]) for r in _rows(done.stdout)
            if r["code"].startswith("TPF")} == want | live


def _rows(stdout: str) -> list[dict[str, str]]:
    """flake8's default output, other plugins' codes (E501, ...) included."""
    import re

    pattern = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$")
    return [m.groupdict() for m in map(pattern.match, stdout.splitlines()) if m]
