"""Runs one reproducer in this (fresh) process and prints one JSON line with what happened.

Usage: python -m flake8_torch_pitfalls.runtime.worker FIXTURE FUNCTION DEVICE PROBE [DEADLINE_S PARENT_PID]
PROBE is `call` (did it raise?), `gradient` (the returned tensor's values) or `growth` (autograd nodes
reachable from the result, and CUDA bytes held, at several step counts). With DEADLINE_S and PARENT_PID the
worker never outlives either: it runs in its own session, so nothing else would stop a hung reproducer.
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
import warnings
from typing import Any

MARKER = "TORCH_PITFALLS_RESULT "
GROWTH_STEPS = (4, 8, 12)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
EXIT_STOPPED = 3


def _load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("reproducer", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _graph_nodes(value: Any) -> int:
    """Autograd nodes reachable from a tensor's grad_fn (0 for numbers and detached tensors)."""
    root = getattr(value, "grad_fn", None)
    seen: set[int] = set()
    alive: list[Any] = []  # keep wrappers alive, or their ids get recycled and nodes go uncounted
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        alive.append(node)
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return len(seen)


def _sync(torch: Any, device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run(path: str, function: str, device: str, probe: str) -> dict[str, Any]:
    import torch

    module = _load(path)
    target = getattr(module, function)
    info: dict[str, Any] = {"torch": torch.__version__}
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(0)
    try:
        if probe == "growth":
            target(device, steps=1)  # warm-up: one-time allocations (CUDA context, cuBLAS workspace)
            nodes, held = [], []
            for steps in GROWTH_STEPS:
                _sync(torch, device)
                before = torch.cuda.memory_allocated() if device.startswith("cuda") else 0
                result = target(device, steps=steps)
                _sync(torch, device)
                after = torch.cuda.memory_allocated() if device.startswith("cuda") else 0
                nodes.append(_graph_nodes(result))
                held.append(after - before)
                del result
            info.update(steps=list(GROWTH_STEPS), nodes=nodes, bytes=held)
        elif probe == "result":  # the warnings it gives and the tensor it returns
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = target(device)
                _sync(torch, device)
            info["warnings"] = [{"type": w.category.__name__, "message": str(w.message).splitlines()[0][:500]}
                                for w in caught]
            info["result"] = {"shape": list(result.shape), "dtype": str(result.dtype).removeprefix("torch."),
                              "values": result.detach().cpu().double().flatten().tolist()}
        else:
            result = target(device)
            _sync(torch, device)
            if probe == "gradient":
                info["values"] = result.detach().cpu().double().flatten().tolist()
        info["raised"] = None
    except Exception as error:  # the reproducer's failure is the evidence
        info["raised"] = {"type": type(error).__name__, "message": str(error).splitlines()[0][:500]}
    return info


def _bounded(deadline_s: float, parent_pid: int) -> None:
    """Die at the deadline, or when the parent is gone, even while torch holds the interpreter.

    SIGALRM and PR_SET_PDEATHSIG act in the kernel (no Python handler runs); a watchdog thread covers
    the platforms without them."""
    if hasattr(signal, "SIGALRM"):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(max(1, math.ceil(deadline_s)))
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent went before the kernel could be told
        os._exit(EXIT_STOPPED)
    ends = time.monotonic() + deadline_s + 1  # the alarm, where there is one, comes first

    def watch() -> None:
        while time.monotonic() < ends and os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(EXIT_STOPPED)

    threading.Thread(target=watch, daemon=True).start()


def main(argv: list[str]) -> int:
    path, function, device, probe = argv[:4]
    if len(argv) == 6:
        _bounded(float(argv[4]), int(argv[5]))
    try:
        info = run(path, function, device, probe)
    except Exception:  # the harness itself failed (e.g. torch missing): report, do not hide
        info = {"harness_error": traceback.format_exc(limit=3)[-800:]}
    print(MARKER + json.dumps(info), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
