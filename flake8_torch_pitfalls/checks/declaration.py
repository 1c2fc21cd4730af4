"""What a rule declares besides its logic: messages, page prose, and the runtime evidence it expects.

Plain data, free of libcst and torch, so that docs, SARIF, the runtime companion and the tests derive
from the rule modules without running an analysis (or importing torch to lint).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cached_property
from typing import Union


@dataclass(frozen=True)
class Message:
    """A finding's text: what is wrong and how to fix it, with `{field}`s filled in when reported."""

    template: str
    fix: str  # the part of the template that names the fix

    def __post_init__(self) -> None:
        if self.fix not in self.template:
            raise ValueError(f"the fix {self.fix!r} is not part of the message {self.template!r}")

    @cached_property
    def fields(self) -> frozenset[str]:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(self.template) if name)

    def render(self, **fields: str) -> str:
        if set(fields) != self.fields:
            raise ValueError(f"message {self.template!r} takes {sorted(self.fields)}, got {sorted(fields)}")
        return self.template.format(**fields)

    def render_fix(self, **fields: str) -> str:
        """The fix alone, filled in as the whole message is (a `help:` line under a finding)."""
        return self.fix.format(**fields)

    def pattern(self) -> re.Pattern[str]:
        """A regex that matches every rendering of this message (each field: some text)."""
        parts = [re.escape(literal) + ("(.+?)" if name else "")
                 for literal, name, _, _ in string.Formatter().parse(self.template)]
        return re.compile("".join(parts))


@dataclass(frozen=True)
class Page:
    """The prose of a rule's page (markdown), in the order the page shows it."""

    pitfall: str  # the mistake and why it bites
    runtime: str  # what the user sees at run time: the error text, or the silent damage
    fix: str  # how to write it instead
    flagged: str  # what exactly the rule flags
    silent: str  # where it must stay silent
    notes: tuple[tuple[str, str], ...] = ()  # further sections: (heading, text)


@dataclass(frozen=True)
class Raises:
    """`bad(device)` raises this exception type with a message matching one of the patterns (every known
    wording: CPU and CUDA, older releases); `good(device)` runs clean."""

    exception: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class WrongGradient:
    """`bad(device)` returns a gradient that differs from `expected(device)`'s without any error;
    `detached(device)`, the same code with `.detach()`, raises `detach_raises`; `good(device)` returns the
    expected gradient."""

    detach_raises: Raises


@dataclass(frozen=True)
class GraphLeak:
    """`bad(device, steps)` returns an accumulator whose autograd graph grows by the same number of nodes
    every step (and, on CUDA, holds more memory every step); `good(device, steps)`'s holds no graph."""


@dataclass(frozen=True)
class Deprecated:
    """`bad(device)` warns (a `category` whose message matches one of the patterns) and returns a tensor;
    `good(device)`, the fix, warns nothing and returns the same tensor (values, shape, dtype); `naive(device)`,
    the replacement people reach for first, returns a different one: the fix keeps the meaning."""

    category: str
    patterns: tuple[str, ...]


#: What a rule's reproducers must show at run time.
Expectation = Union[Raises, WrongGradient, GraphLeak, Deprecated]
