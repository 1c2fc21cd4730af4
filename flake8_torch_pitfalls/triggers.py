"""Text triggers: the cheap test of which parts of a file can hold a finding, before anything is parsed.

Each subscriber (check) declares groups of regexes; a part of the file is worth parsing only if, for some
group, every regex matches on a line inside it. No libcst here: a file with no candidate never loads it.
"""

from __future__ import annotations

import ast
import bisect
import functools
import re
from collections.abc import Sequence


def _starts_line(source: str, offset: int) -> bool:
    """Whether only indentation precedes `offset` on its line (an `@` there is a decorator)."""
    line_start = source.rfind("\n", 0, offset) + 1
    return source[line_start:offset].strip() == ""


class Triggers:
    """Where each check's ingredients occur: a part of the file can hold a finding only if, for some
    check, every pattern of one of its groups matches on a line inside that part.

    Patterns are searched lazily, in group order: a group whose first pattern never matches costs
    one search (so put the rarest pattern first)."""

    def __init__(self, source: str, groups: Sequence[Sequence[str]]) -> None:
        self.source = source
        self.groups = [tuple(group) for group in groups]
        self._offsets: dict[str, list[int]] = {}
        self._lines: dict[str, list[int]] = {}
        self.active = [group for group in self.groups if all(self._matches(p) for p in group)]

    def _matches(self, pattern: str) -> list[int]:
        found = self._offsets.get(pattern)
        if found is None:
            found = sorted(set().union(*(match_offsets(self.source, regex, at_line_start)
                                         for regex, at_line_start in _compiled(pattern))))
            self._offsets[pattern] = found
        return found

    def lines(self, pattern: str) -> list[int]:
        """Line numbers (1-based) on which `pattern` matches."""
        found = self._lines.get(pattern)
        if found is None:
            found = self._lines[pattern] = offset_lines(self.source, self._matches(pattern))
        return found

    def outside_prose(self, tree: ast.Module, lines: Sequence[str]) -> Triggers:
        """Forget matches in comments and docstrings (`# the loss ...`): a word there is no code."""
        docstring_lines = prose_lines(tree, lines)
        for pattern, offsets in self._offsets.items():
            self._offsets[pattern] = [o for o in offsets if not _in_comment(self.source, o)]
        self._lines = {}
        if docstring_lines:
            for pattern in self._offsets:
                self._lines[pattern] = [line for line in self.lines(pattern) if line not in docstring_lines]
        self.active = [group for group in self.active if all(self.lines(p) for p in group)]
        return self

    def __bool__(self) -> bool:
        return bool(self.active)

    def hit(self, start: int, end: int) -> bool:
        return any(all(_hit(self.lines(p), start, end) for p in group) for group in self.active)

    def hit_across(self, spans: Sequence[tuple[int, int]]) -> bool:
        """Whether, for some group, every pattern matches in one of `spans` (a function and the functions
        it calls: the transpose in a helper, the `.view` in its caller)."""
        return any(all(any(_hit(self.lines(p), a, b) for a, b in spans) for p in group) for group in self.active)

    def hit_any_pattern(self, start: int, end: int) -> bool:
        """Whether any pattern of a group that can match in this file matches on these lines."""
        return any(_hit(self.lines(p), start, end) for group in self.active for p in group)


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """One regex per top-level alternative: `re` finds a literal-led pattern with a fast substring
    search, but scans an alternation (`transpose|permute|...`) character by character, ten times slower.
    An alternative that starts with `^` must start its line after indentation (`^for\\s`: a loop
    statement); that is checked behind each match, for the same reason."""
    return tuple((re.compile(alternative.removeprefix("^")), alternative.startswith("^"))
                 for alternative in top_level_alternatives(pattern))


def top_level_alternatives(pattern: str) -> list[str]:
    """`a|b(c|d)|[|]` -> `a`, `b(c|d)`, `[|]`: splits at the bars outside groups and classes."""
    parts: list[str] = []
    current: list[str] = []
    depth, in_class, escaped = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def match_offsets(source: str, pattern: re.Pattern[str], at_line_start: bool = False) -> list[int]:
    """Where `pattern` matches (decorators never count as `@`), only at line starts if asked."""
    return [m.start() for m in pattern.finditer(source)
            if (_starts_line(source, m.start()) if at_line_start
                else not (source[m.start()] == "@" and _starts_line(source, m.start())))]


def offset_lines(source: str, offsets: Sequence[int]) -> list[int]:
    """The distinct line numbers (1-based) of ascending offsets."""
    lines: list[int] = []
    line, position = 1, 0
    for offset in offsets:
        line += source.count("\n", position, offset)
        position = offset
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _in_comment(source: str, offset: int) -> bool:
    """After a `#` that no open quote precedes on its line (a quote inside a string makes this answer
    no, which only keeps a match)."""
    line_start = source.rfind("\n", 0, offset) + 1
    hash_at = source.find("#", line_start, offset)
    if hash_at < 0:
        return False
    return source.count('"', line_start, hash_at) % 2 == 0 and source.count("'", line_start, hash_at) % 2 == 0


_STRING_START = re.compile(r"[rRbBuU]{0,2}(\"\"\"|\'\'\'|\"|\')")


def prose_lines(tree: ast.Module, lines: Sequence[str]) -> set[int]:
    """Lines that hold nothing but a docstring (or another string used as a statement)."""
    prose: set[int] = set()
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, ()):
                if isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant) and isinstance(
                        child.value.value, str):
                    first, last = child.lineno, child.end_lineno or child.lineno
                    prose.update(range(first + 1, last))
                    if _STRING_START.match(lines[first - 1].lstrip()) and lines[last - 1].rstrip().endswith(("'", '"')):
                        prose.update((first, last))
                elif isinstance(child, ast.AST):
                    stack.append(child)
    return prose


def _hit(triggered: Sequence[int], start: int, end: int) -> bool:
    index = bisect.bisect_left(triggered, start)
    return index < len(triggered) and triggered[index] <= end
