"""`torch-pitfalls`: the command-line door (check, confirm, explain, rules)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _pages_dir() -> Path:
    package = Path(__file__).resolve().parent
    for candidate in (package / "pages", package.parent / "rules"):
        if any(candidate.glob("TPF*.md")):
            return candidate
    raise FileNotFoundError("the rule pages are missing from this installation")


def _confirm(args: argparse.Namespace) -> int:
    from .runtime import confirm, cuda_status, known_rules

    known = known_rules()
    rules = [r.upper() for r in args.rule] or known
    unknown = [r for r in rules if r not in known]
    if unknown:
        print(f"torch-pitfalls: unknown rule(s) {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return EXIT_USAGE
    devices = ["cpu"] if args.device == "cpu" else ["cuda"] if args.device == "cuda" else ["cpu", "cuda"]
    if "cuda" in devices:
        available, reason = cuda_status()
        if not available:
            if args.device == "cuda":
                print(f"torch-pitfalls: --device cuda was asked for, but {reason}.", file=sys.stderr)
                return EXIT_USAGE
            print(f"torch-pitfalls: CUDA not checked: {reason}.", file=sys.stderr)
            devices.remove("cuda")
    results = []
    for device in devices:
        for rule in rules:
            evidence = confirm(rule, device, timeout_s=args.timeout)
            results.append(evidence)
            if not args.json:
                print(f"{evidence.rule:<7} {evidence.device:<5} {evidence.verdict:<14} {evidence.evidence}",
                      flush=True)
    if args.json:
        print(json.dumps([e.as_dict() for e in results], indent=2))
    return EXIT_OK if all(e.verdict == "confirmed" for e in results) else EXIT_FINDINGS


def _explain(args: argparse.Namespace) -> int:
    page = _pages_dir() / f"{args.code.upper()}.md"
    if not page.is_file():
        print(f"torch-pitfalls: no rule {args.code!r}; see `torch-pitfalls rules`", file=sys.stderr)
        return EXIT_USAGE
    print(page.read_text(), end="")
    return EXIT_OK


def _rules(_args: argparse.Namespace) -> int:
    from .checks import ALL_CHECKS

    for check in ALL_CHECKS:
        print(f"{check.code}  {check.summary}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from . import config as configuration
    from .report import RuleInfo, as_json, github, sarif, text
    from .standalone import check_paths, terminal_progress, wants_progress

    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        print(f"torch-pitfalls: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    try:
        pyproject = Path(args.config) if args.config else configuration.find_pyproject(paths[0])
        config = configuration.with_cli(configuration.load(pyproject), _codes(args.select), _codes(args.ignore),
                                        _codes(args.extend_select))
    except configuration.ConfigError as error:
        print(f"torch-pitfalls: {error}", file=sys.stderr)
        return EXIT_USAGE
    outcome = check_paths(paths, config, terminal_progress if wants_progress() else None)
    for problem in outcome.problems:
        print(f"torch-pitfalls: {problem}", file=sys.stderr)
    findings = sorted(outcome.findings, key=lambda f: (f.path, f.line, f.column, f.code))
    if args.format == "text":
        sys.stdout.write(text(findings))
    elif args.format == "json":
        sys.stdout.write(as_json(findings))
    elif args.format == "github":
        sys.stdout.write(github(findings))
    else:
        from .checks import ALL_CHECKS
        from .docs import page_body

        rules = [RuleInfo(c.code, c.title, c.summary, page_body(c)) for c in ALL_CHECKS if config.enabled(c.code)]
        sys.stdout.write(sarif(findings, rules))
    return EXIT_FINDINGS if findings else EXIT_OK


def _codes(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [code.strip().upper() for value in values for code in value.split(",") if code.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torch-pitfalls", description="Catch the PyTorch mistakes that cost days.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="lint files or directories (no flake8 configuration needed)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.add_argument("--select", action="append", metavar="CODES", help="comma-separated codes or prefixes")
    check.add_argument("--extend-select", action="append", metavar="CODES",
                       help="codes to add to the selection, e.g. the opt-in TPF012")
    check.add_argument("--ignore", action="append", metavar="CODES", help="comma-separated codes or prefixes")
    check.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    check.add_argument("--config", metavar="PYPROJECT", help="pyproject.toml to read [tool.torch-pitfalls] from")
    check.set_defaults(handler=_check)
    confirm = sub.add_parser("confirm", help="run each rule's reproducer and show the failure it warns about")
    confirm.add_argument("--device", choices=["cpu", "cuda", "all"], default="cpu")
    confirm.add_argument("--rule", action="append", default=[], metavar="TPFnnn")
    confirm.add_argument("--json", action="store_true", help="print a JSON list of {rule, device, verdict, evidence}")
    confirm.add_argument("--timeout", type=float, default=180.0, help="seconds per reproducer run")
    confirm.set_defaults(handler=_confirm)
    explain = sub.add_parser("explain", help="print a rule's page")
    explain.add_argument("code")
    explain.set_defaults(handler=_explain)
    rules = sub.add_parser("rules", help="list the rules")
    rules.set_defaults(handler=_rules)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    return int(args.handler(args))


if __name__ == "__main__":
    raise SystemExit(main())
