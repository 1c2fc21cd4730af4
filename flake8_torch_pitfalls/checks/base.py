"""What every rule is: one class that declares everything about the rule and subscribes to events.

A rule module holds exactly one `Check` subclass, named `tpfNNN_<slug>.py`; its fixture is
`fixtures/TPFNNN_<slug>.py`. Docs, SARIF metadata, the known codes, the runtime companion and the
tests all read the declarations below; nothing else restates them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, get_args

import libcst as cst

from ..analysis.events import Subscriber
from .declaration import Expectation, Message, Page

_MODULE = re.compile(r"tpf(\d{3})_(\w+)")


@dataclass(frozen=True)
class Finding:
    """One reported pitfall, anchored to the node whose first line and column flake8 shows."""

    node: cst.CSTNode
    code: str
    message: str  # "TPFnnn <what is wrong>; <the fix>"
    fix: str = ""  # the fix alone, as the message names it


Report = Callable[[Finding], None]


class Check(Subscriber):
    """A rule: its declaration (class attributes) and its `visit_<Node>(node, at)` event handlers."""

    code: ClassVar[str]  # TPFnnn
    title: ClassVar[str]  # the pitfall in a few words: the page's heading
    summary: ClassVar[str]  # one line: `torch-pitfalls rules`, the README table, SARIF
    fix_summary: ClassVar[str]  # the fix in a few words (markdown): the README table
    messages: ClassVar[Mapping[str, Message]]  # every text a finding can have, each naming its fix
    page: ClassVar[Page]
    expectation: ClassVar[Expectation]  # what its reproducers show at run time
    default_enabled: ClassVar[bool] = True  # False: opt-in, off unless selected (mirrored in defaults.py)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _validate(cls)

    def __init__(self, report: Report) -> None:
        self._report = report

    def report(self, node: cst.CSTNode, message: str, **fields: str) -> None:
        """Report the finding `message` (a key of `messages`) at `node`."""
        declared = self.messages[message]
        text = f"{self.code} {declared.render(**fields)}"
        self._report(Finding(node, self.code, text, declared.render_fix(**fields)))

    @classmethod
    def slug(cls) -> str:
        return _module_match(cls).group(2)

    @classmethod
    def fixture_name(cls) -> str:
        """The rule's fixture file (flagged and silent cases, and its reproducers)."""
        return f"{cls.code}_{cls.slug()}.py"


def _module_match(cls: type) -> re.Match[str]:
    match = _MODULE.fullmatch(cls.__module__.rsplit(".", 1)[-1])
    if match is None:
        raise TypeError(f"{cls.__qualname__}: a rule lives in a module named tpfNNN_<slug>.py, not {cls.__module__}")
    return match


def _validate(cls: type[Check]) -> None:
    """A rule that misses part of its declaration fails when it is defined, not when a page is rendered."""
    where = cls.__qualname__
    for name, kind in (("code", str), ("title", str), ("summary", str), ("fix_summary", str), ("page", Page)):
        if not isinstance(getattr(cls, name, None), kind):
            raise TypeError(f"{where}: declare {name} ({kind.__name__})")
    if not isinstance(getattr(cls, "expectation", None), get_args(Expectation)):
        raise TypeError(f"{where}: declare expectation (Raises, WrongGradient, GraphLeak or Deprecated)")
    messages = getattr(cls, "messages", None)
    if not messages or not all(isinstance(m, Message) for m in messages.values()):
        raise TypeError(f"{where}: declare messages, a mapping of names to Message")
    if not cls.triggers:
        raise TypeError(f"{where}: declare triggers (what text a region needs to be worth parsing)")
    match = _module_match(cls)
    if f"TPF{match.group(1)}" != cls.code:
        raise TypeError(f"{where}: code {cls.code} does not match its module {cls.__module__}")
