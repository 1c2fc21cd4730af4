"""Record the runtime evidence shown on each rule page; never edit those blocks by hand.

    python scripts/evidence.py                      # record CPU evidence here, then regenerate the pages
    python scripts/evidence.py record --device cuda --out cuda.json   # on a GPU machine
    python scripts/evidence.py render               # regenerate the pages from rules/evidence/*.json

Records are what `torch-pitfalls confirm` printed, with the date, torch version and GPU name; the pages
are rendered from the rule declarations and these records by scripts/generate.py.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "rules" / "evidence"
DEVICES = ("cpu", "cuda")


def record(device: str) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from flake8_torch_pitfalls.runtime import confirm, known_rules

    results = [confirm(rule, device) for rule in known_rules()]
    first = next((r for r in results if r.torch_version), None)
    return {
        "device": device,
        "date": datetime.date.today().isoformat(),
        "torch": first.torch_version if first else None,
        "gpu": first.gpu if first else None,
        "python": platform.python_version(),
        "command": f"torch-pitfalls confirm --device {device} --json",
        "results": [r.as_dict() for r in results],
    }


def regenerate() -> int:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "generate.py")], check=False).returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    rec = sub.add_parser("record")
    rec.add_argument("--device", choices=DEVICES, required=True)
    rec.add_argument("--out", type=Path)
    sub.add_parser("render")
    args = parser.parse_args()
    if args.command == "record":
        data = record(args.device)
        out = args.out or RECORDS / f"{args.device}.json"
        out.write_text(json.dumps(data, indent=2) + "\n")
        print(json.dumps(data, indent=2))
        return 0 if all(r["verdict"] == "confirmed" for r in data["results"]) else 1
    if args.command is None:
        (RECORDS / "cpu.json").write_text(json.dumps(record("cpu"), indent=2) + "\n")
    return regenerate()


if __name__ == "__main__":
    raise SystemExit(main())
