"""The runtime companion: run each rule's reproducers on a real device and report what happened.

`confirm(rule, device)` runs the fixture's `bad(device)` and `good(device)`, each in a fresh subprocess
with a timeout, and classifies the outcome. It needs torch (the `runtime` extra); linting never does.
"""

from __future__ import annotations

from .confirm import Evidence, confirm, cuda_status, known_rules

__all__ = ["Evidence", "confirm", "cuda_status", "known_rules"]
