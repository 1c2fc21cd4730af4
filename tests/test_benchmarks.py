"""The committed benchmark reports say what the code does today."""

from __future__ import annotations

import subprocess
import sys

from .helpers import ROOT


def test_the_reported_bugs_recall_report_is_current() -> None:
    """benchmarks/REPORTED.md is what `torch-pitfalls check` finds in the reported-bug cases now: a change
    to the analysis that finds more (or less) of them regenerates it (`python benchmarks/reported.py`)."""
    done = subprocess.run([sys.executable, "benchmarks/reported.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
