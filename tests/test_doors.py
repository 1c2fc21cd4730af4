"""The other doors, driven for real: pre-commit's try-repo, python-lsp-server, flake8 options."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from .helpers import ROOT, parse_output

PITFALL = "import torch\n\nm = torch.randn(3, 4)\nflat = m.t().view(-1)\n"
FIXED = "import torch\n\nm = torch.randn(3, 4)\nflat = m.t().reshape(-1)\n"
BIN = Path(sys.executable).parent


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_pre_commit_hook_fails_on_a_pitfall_then_passes(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    (repo / "train.py").write_text(PITFALL)
    _git("add", "train.py", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    command = [str(BIN / "pre-commit"), "try-repo", str(ROOT), "torch-pitfalls", "--all-files"]
    failing = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "train.py:4:8: TPF003" in failing.stdout
    (repo / "train.py").write_text(FIXED)
    _git("add", "train.py", cwd=repo)
    passing = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Passed" in passing.stdout
    (repo / "broken.py").write_text("import torch\ndef f(:\n")
    _git("add", "broken.py", cwd=repo)
    broken = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert broken.returncode == 1 and re.search(r"broken.py:2:\d+: E999 SyntaxError", broken.stdout), broken.stdout


def test_standalone_pre_commit_hook_reads_pyproject(tmp_path: Path) -> None:
    """The second hook runs `torch-pitfalls check`, so `[tool.torch-pitfalls]` applies (the flake8 one keeps
    flake8's configuration); a syntax error fails it too."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "legacy").mkdir(parents=True)
    _git("init", "-q", cwd=repo)
    (repo / "train.py").write_text(PITFALL)
    (repo / "legacy" / "old.py").write_text(PITFALL)
    (repo / "pyproject.toml").write_text('[tool.torch-pitfalls]\nexclude = ["legacy"]\n')
    _git("add", ".", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    command = [str(BIN / "pre-commit"), "try-repo", str(ROOT), "torch-pitfalls-check", "--all-files"]
    failing = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "train.py:4:8: TPF003" in failing.stdout and "old.py" not in failing.stdout
    (repo / "train.py").write_text("import torch\ndef f(:\n")
    _git("add", ".", cwd=repo)
    broken = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert broken.returncode == 1 and "train.py:2:7: E999 SyntaxError" in broken.stdout, broken.stdout
    (repo / "train.py").write_text(FIXED)
    _git("add", ".", cwd=repo)
    passing = subprocess.run(command, cwd=repo, capture_output=True, text=True, env=env, timeout=900)
    assert passing.returncode == 0, passing.stdout + passing.stderr


class LanguageServer:
    """A real pylsp process spoken to over stdio with LSP framing."""

    def __init__(self, root: Path) -> None:
        self.process = subprocess.Popen([str(BIN / "pylsp")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, cwd=root)
        self.next_id = 1

    def send(self, method: str, params: dict, request: bool = False) -> int | None:
        message: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        ident = None
        if request:
            ident = message["id"] = self.next_id
            self.next_id += 1
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()
        return ident

    def receive(self) -> dict:
        assert self.process.stdout is not None
        length = 0
        while True:
            header = self.process.stdout.readline().decode().strip()
            if not header:
                break
            if header.lower().startswith("content-length:"):
                length = int(header.split(":")[1])
        return json.loads(self.process.stdout.read(length))

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def test_editor_diagnostics_through_pylsp(tmp_path: Path) -> None:
    server = LanguageServer(tmp_path)
    try:
        server.send("initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}}, request=True)
        server.send("initialized", {})
        settings = {"pylsp": {"plugins": {
            "flake8": {"enabled": True, "executable": str(BIN / "flake8"), "select": ["TPF"]},
            "pycodestyle": {"enabled": False}, "pyflakes": {"enabled": False}, "mccabe": {"enabled": False}}}}
        server.send("workspace/didChangeConfiguration", {"settings": settings})
        uri = (tmp_path / "unsaved.py").as_uri()  # never written to disk: the buffer goes over stdin
        server.send("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": PITFALL}})
        deadline = time.monotonic() + 120
        diagnostics: list[dict] = []
        while time.monotonic() < deadline:
            message = server.receive()
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["diagnostics"]:
                diagnostics = message["params"]["diagnostics"]
                break
        ours = [d for d in diagnostics if d.get("code") == "TPF003"]
        assert ours, diagnostics
        assert ours[0]["range"]["start"] == {"line": 3, "character": 7}
        assert ours[0]["severity"] == 2  # Warning
        assert ours[0]["source"] == "flake8"
    finally:
        server.close()


def test_flake8_options_from_setup_cfg(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text(textwrap.dedent(
        """\
        [flake8]
        torch-pitfalls-extra-losses = mylib.losses.focal_loss, mylib.FocalLoss
        torch-pitfalls-extra-no-grad = mylib.frozen
        torch-pitfalls-disable = TPF003
        """
    ))
    (tmp_path / "code.py").write_text(textwrap.dedent(
        """\
        import torch
        from mylib import FocalLoss, frozen
        from mylib.losses import focal_loss


        def train(loader, model):
            crit = FocalLoss()
            total, total2 = 0, 0
            for x, y in loader:
                total += focal_loss(model(x), y)
                total2 += crit(model(x), y)
            w = torch.zeros(3, requires_grad=True)
            with frozen():
                w.add_(1)
            return torch.randn(2, 3).t().view(-1)
        """
    ))
    configured = subprocess.run([sys.executable, "-m", "flake8", "--select", "TPF", "code.py"], cwd=tmp_path,
                                capture_output=True, text=True)
    assert [(int(r["line"]), r["code"]) for r in parse_output(configured.stdout)] == [(10, "TPF001"), (11, "TPF001")]
    plain = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select", "TPF", "code.py"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert [(int(r["line"]), r["code"]) for r in parse_output(plain.stdout)] == [(14, "TPF006"), (15, "TPF003")]


def test_flake8_rejects_a_code_that_disables_nothing(tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text(PITFALL)
    (tmp_path / "setup.cfg").write_text("[flake8]\ntorch-pitfalls-disable = tpf003, TPF999\n")
    done = subprocess.run([sys.executable, "-m", "flake8", "--select", "TPF", "code.py"], cwd=tmp_path,
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout == ""
    assert "torch-pitfalls-disable: unknown code TPF999; the known codes are TPF001" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "setup.cfg").write_text("[flake8]\ntorch-pitfalls-disable = tpf003\n")  # case as flake8's own
    quiet = subprocess.run([sys.executable, "-m", "flake8", "--select", "TPF", "code.py"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert (quiet.returncode, quiet.stdout) == (0, "")
