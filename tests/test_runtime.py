"""The runtime companion, driven for real: torch runs each reproducer on CPU (and CUDA when present)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flake8_torch_pitfalls.checks import ALL_CHECKS
from flake8_torch_pitfalls.docs import EVIDENCE_BLOCK, evidence_block, load_records
from flake8_torch_pitfalls.runtime import confirm, cuda_status, known_rules
from flake8_torch_pitfalls.runtime.confirm import run_reproducer

from .helpers import ROOT

RULES = [check.code for check in ALL_CHECKS]
CUDA, CUDA_REASON = cuda_status()
CLI = [sys.executable, "-m", "flake8_torch_pitfalls.cli"]


def test_the_companion_runs_every_rule() -> None:
    assert known_rules() == RULES and len(RULES) >= 6


ON_CUDA = pytest.mark.skipif(not CUDA, reason=CUDA_REASON)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=ON_CUDA)])
@pytest.mark.parametrize("rule", RULES)
def test_reproducer_shows_the_pitfall(rule: str, device: str) -> None:
    evidence = confirm(rule, device)
    assert (evidence.rule, evidence.device, evidence.verdict) == (rule, device, "confirmed"), evidence.evidence


def test_leak_evidence_reports_nodes_per_iteration() -> None:
    evidence = confirm("TPF001", "cpu")
    assert "autograd nodes/iteration" in evidence.evidence
    assert "good: 0 nodes/iteration" in evidence.evidence


def test_silent_gradient_evidence_compares_with_the_true_gradient() -> None:
    evidence = confirm("TPF002", "cpu")
    assert "vs true" in evidence.evidence and "modified by an inplace operation" in evidence.evidence


def test_deprecation_evidence_shows_the_fix_keeps_the_result() -> None:
    """TPF101: the deprecated call warns; the fix is silent and gives the same tensor; the naive one differs."""
    evidence = confirm("TPF101", "cpu")
    assert "bad warned UserWarning: torch.range is deprecated" in evidence.evidence
    assert "good warned nothing and gave the same" in evidence.evidence
    assert "naive gave int64 (4,)" in evidence.evidence


def test_the_result_probe_records_warnings_and_the_tensor(tmp_path: Path) -> None:
    reproducer = tmp_path / "TPF997_warns.py"
    reproducer.write_text("import warnings\n\nimport torch\n\n\ndef bad(device):\n"
                          "    warnings.warn('old API', DeprecationWarning)\n"
                          "    return torch.ones(2, dtype=torch.int64, device=device)\n")
    run = run_reproducer(reproducer, "bad", "cpu", "result", timeout_s=120)
    assert run.failure is None and run.raised is None
    assert run.info["warnings"] == [{"type": "DeprecationWarning", "message": "old API"}]
    assert run.info["result"] == {"shape": [2], "dtype": "int64", "values": [1.0, 1.0]}


def test_json_output_and_exit_code() -> None:
    done = subprocess.run([*CLI, "confirm", "--device", "cpu", "--rule", "TPF004", "--rule", "tpf005", "--json"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [(r["rule"], r["device"], r["verdict"]) for r in rows] == [
        ("TPF004", "cpu", "confirmed"), ("TPF005", "cpu", "confirmed")]
    assert all(set(r) == {"rule", "device", "verdict", "evidence"} for r in rows)


@pytest.mark.skipif(CUDA, reason="this machine has CUDA")
def test_asking_for_cuda_without_one_is_a_clear_usage_error() -> None:
    done = subprocess.run([*CLI, "confirm", "--device", "cuda"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2
    assert "--device cuda was asked for" in done.stderr and "Traceback" not in done.stderr
    assert confirm("TPF003", "cuda").verdict == "skipped"


def test_unknown_rule_is_a_usage_error() -> None:
    done = subprocess.run([*CLI, "confirm", "--rule", "TPF999"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 2 and "unknown rule" in done.stderr


def test_a_hung_reproducer_becomes_a_verdict_and_leaves_nothing_running(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    hung = tmp_path / "TPF999_hang.py"
    hung.write_text(textwrap.dedent(f"""
        import os, subprocess, sys, time

        def bad(device):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
            open({str(pid_file)!r}, "w").write(str(child.pid))
            time.sleep(600)
    """))
    started = time.monotonic()
    run = run_reproducer(hung, "bad", "cpu", timeout_s=3)
    assert run.failure is not None and "did not finish within 3 s" in run.failure
    assert time.monotonic() - started < 60
    child = int(pid_file.read_text())
    time.sleep(0.5)
    assert not _running(child), f"reproducer child {child} is still running"


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may linger as a zombie until init reaps it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_a_crashing_reproducer_becomes_a_verdict(tmp_path: Path) -> None:
    crash = tmp_path / "TPF998_crash.py"
    crash.write_text("import os\n\ndef bad(device):\n    os._exit(3)\n")
    run = run_reproducer(crash, "bad", "cpu", timeout_s=60)
    assert run.failure is not None and "crashed (exit 3)" in run.failure


def test_plain_install_confirms_from_outside_the_checkout(tmp_path: Path) -> None:
    """The wheel carries the fixtures and pages: no checkout needed."""
    wheels, target, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(wheels.glob("*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=600)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "from flake8_torch_pitfalls.runtime.confirm import fixtures_dir;"
                            "print(fixtures_dir())"], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert Path(where.stdout.strip()).is_relative_to(target), where.stdout + where.stderr
    done = subprocess.run([*CLI, "confirm", "--device", "cpu"], capture_output=True, text=True, cwd=elsewhere,
                          env=env, timeout=900)
    rows = [line.split() for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stdout + done.stderr
    assert [(r[0], r[1], r[2]) for r in rows] == [(rule, "cpu", "confirmed") for rule in RULES]
    explain = subprocess.run([*CLI, "explain", "TPF003"], capture_output=True, text=True, cwd=elsewhere, env=env)
    assert explain.returncode == 0 and explain.stdout.startswith("# TPF003")


def test_rule_pages_show_the_recorded_evidence() -> None:
    """Each page's evidence block is rendered from the recorded runs: confirmed on CPU, and on CUDA
    confirmed or plainly not recorded yet (a rule newer than the last GPU run)."""
    records = load_records(ROOT / "rules" / "evidence")
    assert {"cpu", "cuda"} <= set(records)
    for code in RULES:
        block = EVIDENCE_BLOCK.search((ROOT / "rules" / f"{code}.md").read_text())
        assert block is not None and block.group(0) == evidence_block(code, records)
        cpu, cuda = block.group(0).split("**CUDA** (NVIDIA")
        assert cpu.count("- verdict: **confirmed**") == 1, code
        assert cuda.count("- verdict: **confirmed**") == 1 or f"not recorded yet for {code}" in cuda, code
