"""The analysed arguments of one call: the values of its positional and keyword arguments, in order.

One reading for the analysis and the checks alike (`x.view(2, *s)` means the same to both).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import libcst as cst

from .layout import UNREAD
from .values import Kind, Size, Value, UNKNOWN_VALUE


@dataclass(frozen=True)
class CallArgs:
    """Argument values of one call, in source order."""

    positional: list[Value]
    keywords: dict[str, Value]
    starred: bool  # some argument is `*x` or `**x`
    star_last: bool = False  # the only starred argument is a `*x` after at least one other, and the last

    def get(self, index: int, keyword: str | None = None) -> Value | None:
        if keyword is not None and keyword in self.keywords:
            return self.keywords[keyword]
        return self.positional[index] if index < len(self.positional) else None

    def ints(self) -> list[int] | None:
        """The positional arguments as literal ints (a single tuple/list argument is unpacked)."""
        values = self.positional
        if len(values) == 1 and values[0].items is not None:
            values = list(values[0].items)
        ints = [v.int_value for v in values]
        if self.starred or any(i is None for i in ints):
            return None
        return [i for i in ints if i is not None]

    def sizes(self) -> list[Size | None] | None:
        """Positional sizes as read from the source (None for -1); None when they cannot be read.

        A trailing `*sizes` beside other sizes is read as one unreadable size (it splits a dimension).
        """
        values = self.positional
        if len(values) == 1 and values[0].items is not None:
            values = list(values[0].items)
        if self.starred and values and self.star_last:
            values = [*values, UNKNOWN_VALUE]
        elif self.starred or not values:
            return None
        sizes: list[Size | None] = []
        for value in values:
            if value.int_value == -1:
                sizes.append(None)
            elif value.kind is Kind.NUMBER and value.size is not None:
                sizes.append(value.size)
            elif value.kind in (Kind.NUMBER, Kind.UNKNOWN, Kind.TENSOR) and value.items is None:
                sizes.append(UNREAD)  # a size the source does not show (a 0-dim tensor counts: `hw[i][0]`)
            else:
                return None
        return sizes


def call_arguments(node: cst.Call, value_of: Callable[[cst.CSTNode], Value]) -> CallArgs:
    """The arguments of `node`, from the values the analysis gave its argument expressions."""
    positional: list[Value] = []
    keywords: dict[str, Value] = {}
    stars = []
    for index, arg in enumerate(node.args):
        unpacked = value_of(arg.value) if arg.star == "*" else None
        if unpacked is not None and unpacked.kind in (Kind.TUPLE, Kind.LIST) and unpacked.items is not None:
            positional.extend(unpacked.items)  # `*shape` of a tuple the source spells out: its items
        elif arg.star:
            stars.append(index)
        elif arg.keyword is not None:
            keywords[arg.keyword.value] = value_of(arg.value)
        else:
            positional.append(value_of(arg.value))
    star_last = stars == [len(node.args) - 1] and stars[0] > 0 and node.args[-1].star == "*"
    return CallArgs(positional, keywords, bool(stars), star_last)
