"""The rules' codes, and those that are off unless a user selects them.

Each rule declares `default_enabled`; this mirror lets flake8 (and the standalone command) read the set at
start-up without loading the rules, and with them libcst. A test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

OFF_BY_DEFAULT: frozenset[str] = frozenset({"TPF012"})
#: Every rule's code, read at start-up (is any of them selected? which codes exist?) without loading libcst.
ALL_CODES: frozenset[str] = frozenset({"TPF001", "TPF002", "TPF003", "TPF004", "TPF005", "TPF006", "TPF012", "TPF101",
                                       "TPF105", "TPF106", "TPF107", "TPF112"})


def unknown_codes(codes: Iterable[str]) -> list[str]:
    """The codes (upper-cased) that are neither a rule's code nor a prefix of one: they would select nothing."""
    return [code for code in codes if not any(known.startswith(code) for known in ALL_CODES)]


def unknown_codes_error(where: str, unknown: Sequence[str]) -> str:
    """What a user reads when a code they gave matches no rule."""
    plural = "s" if len(unknown) > 1 else ""
    return (f"{where}: unknown code{plural} {', '.join(unknown)}; the known codes are {', '.join(sorted(ALL_CODES))}"
            " (or a prefix of them, such as TPF or TPF00)")
