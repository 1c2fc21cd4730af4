"""Project-specific knowledge the analysis takes (from flake8 options or pyproject.toml).

A module of its own, free of libcst, so that reading a configuration never loads the parser.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    extra_losses: frozenset[str] = frozenset()  # callables (or loss classes) that produce losses
    extra_no_grad: frozenset[str] = frozenset()  # context managers / decorators that disable autograd
    default_float_known: bool = True  # False when the file changes torch's default dtype

    def for_source(self, source: str) -> Settings:
        """These settings as they hold for one file: its default float dtype is unknown once it changes it."""
        if "set_default_dtype" in source or "set_default_tensor_type" in source:
            return Settings(self.extra_losses, self.extra_no_grad, default_float_known=False)
        return self
