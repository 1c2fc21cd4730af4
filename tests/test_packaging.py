"""The sdist and wheel as a user gets them: built by `python -m build`, installed on each supported Python."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
import tarfile
import textwrap
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from flake8_torch_pitfalls import HOMEPAGE, __version__

from .helpers import ROOT

PITFALL = "import torch\n\nm = torch.randn(3, 4)\nflat = m.t().view(-1)\ne = torch.mm(m, m.double())\n"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--sdist", "--wheel", "-o", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _metadata(dist: Path) -> tuple[str, list[tuple[str, str]]]:
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    message = Parser().parsestr(text)
    return text, list(message.items())


def test_wheel_metadata_is_complete(dist: Path) -> None:
    _, fields = _metadata(dist)
    values: dict[str, list[str]] = {}
    for name, value in fields:
        values.setdefault(name, []).append(value)
    assert values["Version"] == [__version__]
    assert values["License-Expression"] == ["MIT"] and values["License-File"] == ["LICENSE"]
    assert f"Homepage, {HOMEPAGE}" in values["Project-URL"]
    assert "tomli>=1.1; python_version < \"3.11\"" in values["Requires-Dist"]
    assert not any(r.startswith("torch") for r in values["Requires-Dist"] if "extra ==" not in r)
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    minimum = declared["requires-python"].removeprefix(">=")
    versions = [c.rsplit(" :: ", 1)[1] for c in values["Classifier"]
                if c.startswith("Programming Language :: Python :: 3.")]
    assert versions[0] == minimum and versions == sorted(versions, key=lambda v: tuple(map(int, v.split("."))))
    assert all(url.startswith(HOMEPAGE) for url in declared["urls"].values())


def test_sdist_tests_are_collectable(dist: Path, tmp_path: Path) -> None:
    sdist = next(dist.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    unpacked = tmp_path / sdist.name.removesuffix(".tar.gz")
    for needed in ("LICENSE", "tests/__init__.py", "tests/helpers.py", "fixtures", "rules/TPF001.md",
                   "constraints.txt"):
        assert (unpacked / needed).exists(), needed
    here = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    there = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
                           cwd=unpacked, capture_output=True, text=True, timeout=600)
    assert there.returncode == 0, there.stdout[-3000:]

    def collected(output: str) -> str:
        return output.splitlines()[-1].split(" in ")[0]  # "N tests collected"

    assert collected(there.stdout) == collected(here.stdout)


def _interpreter(version: str) -> str | None:
    found = shutil.which(f"python{version}")
    candidates = [found] if found else []
    candidates += sorted(glob.glob(str(Path.home() / f".pyenv/versions/{version}.*/bin/python{version}")))
    for candidate in candidates:
        if subprocess.run([candidate, "--version"], capture_output=True).returncode == 0:
            return candidate
    return None


@pytest.mark.parametrize("version", ["3.10", "3.13"])
def test_installed_wheel_works_on_other_pythons(dist: Path, tmp_path: Path, version: str) -> None:
    """On 3.10, `[tool.torch-pitfalls]` is read through tomli; both doors report."""
    python = _interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} interpreter on this machine")
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=300)
    wheel = next(dist.glob("*.whl"))
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], capture_output=True, text=True,
                             timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    project = tmp_path / "project"
    project.mkdir()
    (project / "model.py").write_text(PITFALL)
    (project / "pyproject.toml").write_text(textwrap.dedent(
        """\
        [tool.torch-pitfalls]
        select = ["tpf005"]
        """))
    done = subprocess.run([str(venv / "bin" / "torch-pitfalls"), "check", "-q", "."], cwd=project,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stderr == ""
    assert [line.split(" ", 2)[:2] for line in done.stdout.splitlines()] == [["model.py:5:5:", "TPF005"]]
    via_flake8 = subprocess.run([str(venv / "bin" / "flake8"), "--select", "TPF", "model.py"], cwd=project,
                                capture_output=True, text=True, timeout=300)
    assert [line.split(" ", 2)[:2] for line in via_flake8.stdout.splitlines()] == [
        ["model.py:4:8:", "TPF003"], ["model.py:5:5:", "TPF005"]]
