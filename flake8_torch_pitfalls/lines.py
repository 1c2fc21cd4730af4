"""Lines as Python and flake8 count them: only `\\n`, `\\r\\n` and `\\r` end a line.

`str.splitlines()` also breaks at form feed, vertical tab, `\\x1c`-`\\x1e`, `\\x85`, `\\u2028` and
`\\u2029`, which Python reads as whitespace or as text; splitting with it moves findings off their lines.
"""

from __future__ import annotations

import re


def universal_newlines(text: str) -> str:
    """`text` with every `\\r\\n` and lone `\\r` read as `\\n`, as Python's universal newlines do."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: The line boundaries of `str.splitlines()` that Python and flake8 do not break lines at.
_OTHER_BOUNDARIES = re.compile("[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def physical_lines(text: str, keepends: bool = False) -> list[str]:
    """The lines of `text` (newlines already universal) as Python numbers them, from line 1."""
    if not _OTHER_BOUNDARIES.search(text):  # nearly every file: the fast split means the same
        return text.splitlines(keepends)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    if keepends:
        last = len(lines) - 1
        return [line + "\n" if index < last or text.endswith("\n") else line for index, line in enumerate(lines)]
    return lines
