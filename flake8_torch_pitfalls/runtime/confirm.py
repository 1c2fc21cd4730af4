"""Classify what each rule's reproducers did on a device: confirmed, not confirmed, or skipped."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks import ALL_CHECKS, by_code
from ..checks.declaration import Deprecated, Expectation, GraphLeak, Raises, WrongGradient
from . import worker

CONFIRMED, NOT_CONFIRMED, SKIPPED = "confirmed", "not confirmed", "skipped"
DEFAULT_TIMEOUT_S = 180.0
WORKER_GRACE_S = 5.0
_PACKAGE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Evidence:
    """The verdict for one (rule, device), with what was seen."""

    rule: str
    device: str
    verdict: str
    evidence: str
    torch_version: str | None = None
    gpu: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "device": self.device, "verdict": self.verdict, "evidence": self.evidence}


def fixtures_dir() -> Path:
    """The reproducers: shipped inside the wheel, or the checkout's fixtures/ in development."""
    for candidate in (_PACKAGE / "fixtures", _PACKAGE.parent / "fixtures"):
        if any(candidate.glob("TPF*.py")):
            return candidate
    raise FileNotFoundError("the rule fixtures are missing from this installation")


def fixture_for(rule: str) -> Path:
    """The shipped reproducer of `rule`; nothing else is ever run."""
    if not re.fullmatch(r"TPF\d{3}", rule):
        raise ValueError(f"not a rule code: {rule!r}")
    try:
        check = by_code(rule)
    except KeyError:
        raise ValueError(f"unknown rule {rule!r}; known: {', '.join(known_rules())}") from None
    fixture = fixtures_dir() / check.fixture_name()
    if not fixture.is_file():
        raise FileNotFoundError(f"the fixture of {rule} is missing from this installation: {fixture.name}")
    return fixture


def known_rules() -> list[str]:
    """The rules whose reproducers the companion runs: every registered rule."""
    return [check.code for check in ALL_CHECKS]


def cuda_status(timeout_s: float = 120.0) -> tuple[bool, str]:
    """Whether torch sees a CUDA device here, and a reason when it does not."""
    probe = "import torch; print(torch.cuda.is_available())"
    try:
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False, "probing torch for CUDA timed out"
    if done.returncode != 0:
        return False, "torch is not importable here (install the runtime extra: flake8-torch-pitfalls[runtime])"
    if done.stdout.strip() != "True":
        return False, "no CUDA device is visible to torch on this machine"
    return True, ""


@dataclass(frozen=True)
class Run:
    """One reproducer run: what the worker reported, or why it reported nothing."""

    info: dict[str, Any]
    failure: str | None  # timed out / crashed / harness error

    @property
    def raised(self) -> dict[str, str] | None:
        return self.info.get("raised")


def run_reproducer(fixture: Path, function: str, device: str, probe: str = "call",
                   timeout_s: float = DEFAULT_TIMEOUT_S) -> Run:
    """Run one fixture function in a fresh process; a hang or crash becomes a failure, never a hang."""
    # The worker carries its own deadline (a little later than ours) and dies with this process.
    deadline = timeout_s + WORKER_GRACE_S
    command = [sys.executable, worker.__file__, str(fixture), function, device, probe,
               repr(deadline), str(os.getpid())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        return Run({}, f"{function}() did not finish within {timeout_s:g} s")
    finally:
        _kill_group(process)
    for line in stdout.splitlines():
        if line.startswith(worker.MARKER):
            info = json.loads(line[len(worker.MARKER):])
            if "harness_error" in info:
                return Run(info, f"{function}() could not be run: {info['harness_error'].strip().splitlines()[-1]}")
            return Run(info, None)
    last = (stderr.strip().splitlines() or ["no output"])[-1]
    return Run({}, f"{function}() crashed (exit {process.returncode}): {last}")


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Leave nothing running: the reproducer may have started children of its own."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.kill()
        process.wait()


def _matches(raised: dict[str, str] | None, expected: Raises) -> bool:
    return raised is not None and raised["type"] == expected.exception and any(
        re.search(p, raised["message"]) for p in expected.patterns)


def _describe(raised: dict[str, str] | None) -> str:
    return "raised nothing" if raised is None else f"raised {raised['type']}: {raised['message']}"


def confirm(rule: str, device: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Evidence:
    """Run `rule`'s reproducers on `device` ("cpu" or "cuda") and say whether the pitfall showed."""
    rule = rule.upper()
    fixture_for(rule)  # unknown rules fail loudly, before any subprocess
    if device.startswith("cuda"):
        available, reason = cuda_status()
        if not available:
            return Evidence(rule, device, SKIPPED, reason)
    expectation = by_code(rule).expectation
    return _CLASSIFIERS[type(expectation)](rule, expectation, device, timeout_s)


def _versions(*runs: Run) -> dict[str, str | None]:
    for run in runs:
        if run.info.get("torch"):
            return {"torch_version": run.info.get("torch"), "gpu": run.info.get("gpu")}
    return {"torch_version": None, "gpu": None}


def _classify_raising(rule: str, expected: Expectation, device: str, timeout_s: float) -> Evidence:
    assert isinstance(expected, Raises)
    bad = run_reproducer(fixture_for(rule), "bad", device, timeout_s=timeout_s)
    good = run_reproducer(fixture_for(rule), "good", device, timeout_s=timeout_s)
    versions = _versions(bad, good)
    if bad.failure or good.failure:
        return Evidence(rule, device, NOT_CONFIRMED, "; ".join(f for f in (bad.failure, good.failure) if f), **versions)
    seen = f"bad {_describe(bad.raised)}; good {_describe(good.raised) if good.raised else 'ran clean'}"
    ok = _matches(bad.raised, expected) and good.raised is None
    return Evidence(rule, device, CONFIRMED if ok else NOT_CONFIRMED, seen, **versions)


def _classify_wrong_gradient(rule: str, expected: Expectation, device: str, timeout_s: float) -> Evidence:
    """A wrong gradient without error (TPF002's `.data`); `.detach()` raises instead; the fix is correct."""
    assert isinstance(expected, WrongGradient)
    bad = run_reproducer(fixture_for(rule), "bad", device, "gradient", timeout_s)
    truth = run_reproducer(fixture_for(rule), "expected", device, "gradient", timeout_s)
    detached = run_reproducer(fixture_for(rule), "detached", device, "call", timeout_s)
    good = run_reproducer(fixture_for(rule), "good", device, "gradient", timeout_s)
    runs = (bad, truth, detached, good)
    versions = _versions(*runs)
    failures = [r.failure for r in runs if r.failure]
    if failures:
        return Evidence(rule, device, NOT_CONFIRMED, "; ".join(failures), **versions)
    true_grad = truth.info.get("values")
    wrong = bad.raised is None and not _close(bad.info.get("values"), true_grad)
    detach_raises = _matches(detached.raised, expected.detach_raises)
    fixed = good.raised is None and _close(good.info.get("values"), true_grad)
    bad_seen = "gave gradient " + _fmt(bad.info.get("values")) if bad.raised is None else _describe(bad.raised)
    seen = (f"bad (.data) {bad_seen}"
            f" vs true {_fmt(true_grad)}, no error; .detach() {_describe(detached.raised)}; "
            f"good {'gave the true gradient' if fixed else _describe(good.raised) or 'gave a wrong gradient'}")
    return Evidence(rule, device, CONFIRMED if wrong and detach_raises and fixed else NOT_CONFIRMED, seen,
                    **versions)


def _classify_leak(rule: str, expected: Expectation, device: str, timeout_s: float) -> Evidence:
    """Nodes reachable from the accumulator grow linearly (TPF001); on CUDA, so do bytes held."""
    assert isinstance(expected, GraphLeak)
    bad = run_reproducer(fixture_for(rule), "bad", device, "growth", timeout_s)
    good = run_reproducer(fixture_for(rule), "good", device, "growth", timeout_s)
    versions = _versions(bad, good)
    failures = _failures({"bad": bad, "good": good})
    if failures:
        return Evidence(rule, device, NOT_CONFIRMED, "; ".join(failures), **versions)
    steps = bad.info["steps"]
    bad_nodes, good_nodes = _per_step(steps, bad.info["nodes"]), _per_step(steps, good.info["nodes"])
    seen = (f"bad: {bad_nodes.rate:g} autograd nodes/iteration ({bad.info['nodes']} at {steps} steps); "
            f"good: {good_nodes.rate:g} nodes/iteration")
    ok = bad_nodes.linear and bad_nodes.rate > 0 and max(good.info["nodes"]) == 0
    if device.startswith("cuda"):
        bad_bytes, good_bytes = _per_step(steps, bad.info["bytes"]), _per_step(steps, good.info["bytes"])
        seen += (f"; CUDA memory held: bad {bad_bytes.rate:,.0f} bytes/iteration ({bad.info['bytes']}), "
                 f"good {good_bytes.rate:,.0f} bytes/iteration ({good.info['bytes']})")
        ok = ok and bad_bytes.rate > 0 and good_bytes.rate <= 0
    return Evidence(rule, device, CONFIRMED if ok else NOT_CONFIRMED, seen, **versions)


def _classify_deprecated(rule: str, expected: Expectation, device: str, timeout_s: float) -> Evidence:
    """A deprecation warning (TPF101's `torch.range`); the fix is silent and gives the same tensor, while the
    naive replacement gives another one."""
    assert isinstance(expected, Deprecated)
    runs = {name: run_reproducer(fixture_for(rule), name, device, "result", timeout_s)
            for name in ("bad", "good", "naive")}
    versions = _versions(*runs.values())
    failures = _failures(runs)
    if failures:
        return Evidence(rule, device, NOT_CONFIRMED, "; ".join(failures), **versions)
    bad, good, naive = (runs[name].info for name in ("bad", "good", "naive"))
    warned = [w for w in bad["warnings"] if w["type"] == expected.category
              and any(re.search(p, w["message"]) for p in expected.patterns)]
    same = good["result"] == bad["result"]
    seen = (f"bad warned {warned[0]['type']}: {warned[0]['message']}" if warned else "bad gave no such warning")
    seen += (f"; bad gave {_tensor(bad['result'])}; good {_warnings(good['warnings'])} and gave "
             f"{'the same' if same else _tensor(good['result'])}; naive gave {_tensor(naive['result'])}")
    ok = bool(warned) and not good["warnings"] and same and naive["result"] != bad["result"]
    return Evidence(rule, device, CONFIRMED if ok else NOT_CONFIRMED, seen, **versions)


def _failures(runs: dict[str, Run]) -> list[str]:
    """What went wrong in runs that must finish without raising: a harness failure, or what they raised."""
    return [run.failure or f"{name}() {_describe(run.raised)}"
            for name, run in runs.items() if run.failure or run.raised]


def _tensor(result: dict[str, Any]) -> str:
    return f"{result['dtype']} {tuple(result['shape'])} {_fmt(result['values'][:6])}"


def _warnings(caught: list[dict[str, str]]) -> str:
    return "warned nothing" if not caught else "warned " + "; ".join(f"{w['type']}: {w['message']}" for w in caught)


@dataclass(frozen=True)
class Growth:
    rate: float  # per iteration
    linear: bool


def _per_step(steps: list[int], amounts: list[int]) -> Growth:
    increments = [(b - a) / (sb - sa) for (sa, a), (sb, b) in zip(zip(steps, amounts), zip(steps[1:], amounts[1:]))]
    return Growth(increments[-1], len(set(increments)) == 1)


def _close(a: list[float] | None, b: list[float] | None) -> bool:
    return a is not None and b is not None and len(a) == len(b) and all(abs(x - y) <= 1e-5 for x, y in zip(a, b))


def _fmt(values: list[float] | None) -> str:
    return "?" if values is None else "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


Classifier = Callable[[str, Expectation, str, float], Evidence]

#: How each kind of expectation is checked (a new kind needs its classifier here, and nothing else).
_CLASSIFIERS: dict[type, Classifier] = {
    Raises: _classify_raising,
    WrongGradient: _classify_wrong_gradient,
    GraphLeak: _classify_leak,
    Deprecated: _classify_deprecated,
}
