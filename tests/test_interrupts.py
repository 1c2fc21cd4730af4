"""Interrupts and deadlines: Ctrl-C is one line, and no reproducer outlives `confirm` or its own deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flake8_torch_pitfalls.runtime import worker

CLI = [sys.executable, "-m", "flake8_torch_pitfalls.cli"]
SLOW_FILE = "import torch\n\n\n" + "".join(
    f"def f{i}(a):\n    w = torch.zeros(3, requires_grad=True)\n    w.add_(1)\n    return a.t().view(-1)\n\n\n"
    for i in range(1500))


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _gone_within(pid: int, seconds: float) -> bool:
    ends = time.monotonic() + seconds
    while time.monotonic() < ends:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return not _alive(pid)


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_during_check_is_one_line(tmp_path: Path, jobs: str) -> None:
    for i in range(24):
        (tmp_path / f"m{i}.py").write_text(SLOW_FILE)
    process = subprocess.Popen([*CLI, "check", "-q", "-j", jobs, "."], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(3)
    assert process.poll() is None, "the run ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (130, "torch-pitfalls: interrupted\n")


def test_sigterm_to_confirm_stops_its_reproducer() -> None:
    process = subprocess.Popen([*CLI, "confirm", "--rule", "TPF001"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    ends = time.monotonic() + 60
    workers: list[int] = []
    while not workers and time.monotonic() < ends:
        workers = _children(process.pid)
        time.sleep(0.05)
    assert workers, "no reproducer was started"
    process.terminate()
    _, stderr = process.communicate(timeout=60)
    assert (process.returncode, stderr) == (130, "torch-pitfalls: interrupted\n")
    assert all(_gone_within(pid, 5) for pid in workers)


def _hanging_fixture(tmp_path: Path) -> Path:
    path = tmp_path / "hangs.py"
    path.write_text("import time\n\n\ndef bad(device):\n    time.sleep(600)\n")
    return path


def test_a_hung_reproducer_dies_at_its_own_deadline(tmp_path: Path) -> None:
    started = time.monotonic()
    done = subprocess.run([sys.executable, worker.__file__, str(_hanging_fixture(tmp_path)), "bad", "cpu", "call",
                           "1.5", str(os.getpid())], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGALRM
    assert time.monotonic() - started < 60


def test_a_reproducer_dies_with_its_parent(tmp_path: Path) -> None:
    """The parent is killed outright (no handler runs); the worker, in its own session, must still go."""
    launcher = ("import os, subprocess, sys\n"
                "w = subprocess.Popen([sys.executable, *sys.argv[1:6], '600', str(os.getpid())], "
                "start_new_session=True)\n"
                "print(w.pid, flush=True)\n"
                "sys.stdin.read()\n")
    parent = subprocess.Popen([sys.executable, "-c", launcher, worker.__file__, str(_hanging_fixture(tmp_path)),
                               "bad", "cpu", "call"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(1)
    assert _alive(child)
    parent.kill()
    parent.wait()
    assert _gone_within(child, 10)
