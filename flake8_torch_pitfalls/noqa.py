"""`# noqa` comments with flake8's meaning, for the standalone command (flake8 applies its own)."""

from __future__ import annotations

import re

# The same shape flake8 accepts: `# noqa`, `# noqa: TPF001`, `# noqa:TPF001,TPF003`.
NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def suppressed(line_text: str, code: str) -> bool:
    match = NOQA.search(line_text)
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    return any(code.startswith(c) for c in re.split(r"[,\s]+", codes.strip().upper()) if c)
