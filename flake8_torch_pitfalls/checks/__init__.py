"""The registry of rules: every `tpfNNN_<slug>.py` module in this package holds one, found by name.

Adding a rule is adding its module (and its fixture): nothing here lists them.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import Check, Finding


def _discover() -> tuple[type[Check], ...]:
    found: list[type[Check]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name):
        if not (info.name.startswith("tpf") and info.name[3:6].isdigit()):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rules = [value for value in vars(module).values()
                 if isinstance(value, type) and issubclass(value, Check) and value.__module__ == module.__name__]
        if len(rules) != 1:
            raise TypeError(f"{module.__name__} must define exactly one rule (a Check subclass), not {len(rules)}")
        found.append(rules[0])
    codes = [rule.code for rule in found]
    if len(set(codes)) != len(codes):
        raise TypeError(f"two rules share a code: {sorted(c for c in codes if codes.count(c) > 1)}")
    return tuple(found)


ALL_CHECKS: tuple[type[Check], ...] = _discover()
KNOWN_CODES: frozenset[str] = frozenset(check.code for check in ALL_CHECKS)


def by_code(code: str) -> type[Check]:
    """The rule with this code (KeyError when none)."""
    for check in ALL_CHECKS:
        if check.code == code:
            return check
    raise KeyError(code)


__all__ = ["ALL_CHECKS", "KNOWN_CODES", "Check", "Finding", "by_code"]
