"""Regenerate every file derived from the rule declarations: the rule pages (with their evidence blocks
from rules/evidence/*.json) and the README's rule table.

    python scripts/generate.py          # write them
    python scripts/generate.py --check  # list stale ones, exit 1 if any (nothing written)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flake8_torch_pitfalls.docs import generated_files  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args()
    stale = [path for path, text in generated_files(ROOT).items()
             if not path.is_file() or path.read_text() != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)} (run python scripts/generate.py)")
        return 1 if stale else 0
    for path, text in generated_files(ROOT).items():
        if path in stale:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
