"""Runs one reproducer in this (fresh) process and prints one JSON line with what happened.

Usage: python -m flake8_torch_pitfalls.runtime.worker FIXTURE FUNCTION DEVICE PROBE
PROBE is `call` (did it raise?), `gradient` (the returned tensor's values) or `growth` (autograd nodes
reachable from the result, and CUDA bytes held, at several step counts).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import traceback
from typing import Any

MARKER = "TORCH_PITFALLS_RESULT "
GROWTH_STEPS = (4, 8, 12)


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
        else:
            result = target(device)
            _sync(torch, device)
            if probe == "gradient":
                info["values"] = result.detach().cpu().double().flatten().tolist()
        info["raised"] = None
    except Exception as error:  # the reproducer's failure is the evidence
        info["raised"] = {"type": type(error).__name__, "message": str(error).splitlines()[0][:500]}
    return info


def main(argv: list[str]) -> int:
    path, function, device, probe = argv
    try:
        info = run(path, function, device, probe)
    except Exception:  # the harness itself failed (e.g. torch missing): report, do not hide
        info = {"harness_error": traceback.format_exc(limit=3)[-800:]}
    print(MARKER + json.dumps(info), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
