"""Events: what the interpreter tells its subscribers (the checks) as it reaches each node.

An event is named like a LibCST visitor method, `visit_<Node>`, and there is one for every kind of
statement and of expression:

- a statement's event fires when the interpreter reaches it, after the expressions it evaluates first
  (an assignment's value and targets, an `if` test, a loop's iterable, a `with` item, decorators, a
  return value) and before it binds names or runs its blocks; a statement the interpreter does not model
  (`match`) fires on entry;
- an expression's event fires once its value is known (so a check can ask for it).

A loop's pre-pass interprets its first iteration (with the facts entering the loop) only to join
loop-carried facts; it is heard only by subscribers that declare `one_run`: those whose findings hold
when any single run reaches the node with its facts (code that raises there, on that run). A subscriber
method named for an event that nothing emits is an error as soon as its class is defined.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

from ..settings import Settings

if TYPE_CHECKING:
    from .facts import Facts


def _concrete_nodes(base: type) -> dict[str, type]:
    # `base in __mro__`, not issubclass(): LibCST's bases are ABCs, whose subclass checks cost ~0.1 s here.
    return {name: node for name, node in vars(cst).items()
            if isinstance(node, type) and base in node.__mro__ and not name.startswith("Base")}


STATEMENT_NODES = {**_concrete_nodes(cst.BaseSmallStatement), **_concrete_nodes(cst.BaseCompoundStatement)}
EXPRESSION_NODES = _concrete_nodes(cst.BaseExpression)
#: Event name -> the node type it is emitted for.
EVENTS: dict[str, type] = {f"visit_{name}": node for name, node in {**STATEMENT_NODES, **EXPRESSION_NODES}.items()}

Handler = Callable[[Any, "Facts"], None]


class UnknownEvent(TypeError):
    """A subscriber method named for an event that nothing emits (it would silently never run)."""


class Subscriber:
    """Something that listens to the interpretation: defines `visit_<Node>(self, node, at)` methods.

    `triggers` are the cheap text test that decides what LibCST parses: groups of regexes, and a
    function, method or class can interest this subscriber only if every regex of one group matches
    inside it.
    """

    triggers: ClassVar[tuple[tuple[str, ...], ...]] = ()
    #: Hears one-run interpretations too (a loop's first iteration; a function read with one call's facts):
    #: for findings true of any one run that reaches them, like code that raises.
    one_run: ClassVar[bool] = False
    subscribed: ClassVar[tuple[str, ...]] = ()  # the events it handles (found when the class is defined)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.subscribed = tuple(sorted(name for name in dir(cls) if name.startswith("visit_")))
        unknown = [name for name in cls.subscribed if name not in EVENTS]
        if unknown:
            raise UnknownEvent(f"{cls.__qualname__}.{unknown[0]}: no such event is ever emitted; events are "
                               "visit_<statement or expression node>, e.g. visit_Call, visit_For")

    @classmethod
    def triggers_for(cls, settings: Settings) -> tuple[tuple[str, ...], ...]:
        """The trigger groups under a project's settings (its own loss names, say)."""
        return cls.triggers

    def handlers(self) -> dict[type, Handler]:
        """Node type -> the bound method that handles its event."""
        return {EVENTS[name]: getattr(self, name) for name in self.subscribed}


class Dispatcher:
    """Calls the subscribers' handlers for each node, unless muted (a summary read ahead); while every
    mute is a one-run one (a loop's first iteration), only `one_run` subscribers hear."""

    def __init__(self, subscribers: Sequence[Subscriber], facts: Facts) -> None:
        self.by_type: dict[type, list[Handler]] = {}
        self.one_run_by_type: dict[type, list[Handler]] = {}
        for subscriber in subscribers:
            for node_type, handler in subscriber.handlers().items():
                self.by_type.setdefault(node_type, []).append(handler)
                if subscriber.one_run:
                    self.one_run_by_type.setdefault(node_type, []).append(handler)
        self.muted = 0
        self.one_run = 0  # of the mutes, how many are one-run interpretations
        self.facts = facts  # what handlers are given to ask

    @property
    def one_run_only(self) -> bool:
        """Muted, but only by one-run interpretations: what is seen holds of one run."""
        return self.muted > 0 and self.muted == self.one_run

    def emit(self, node: cst.CSTNode) -> None:
        if self.muted:
            if self.muted == self.one_run:
                for handler in self.one_run_by_type.get(type(node), ()):
                    handler(node, self.facts)
            return
        handlers = self.by_type.get(type(node))
        if handlers:
            for handler in handlers:
                handler(node, self.facts)
