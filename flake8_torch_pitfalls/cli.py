"""`torch-pitfalls`: the command-line door (check, confirm, explain, rules)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .config import Resolver
    from .report import Reported

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _pages_dir() -> Path:
    package = Path(__file__).resolve().parent
    for candidate in (package / "pages", package.parent / "rules"):
        if any(candidate.glob("TPF*.md")):
            return candidate
    raise FileNotFoundError("the rule pages are missing from this installation")


def _confirm(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("torch") is None:
        return _usage("confirm runs the reproducers with torch, which is not installed here; "
                      'install it with: pip install "flake8-torch-pitfalls[runtime]"')
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
    from .standalone import STDIN, Target, check_targets, decode, default_jobs, discover, terminal_progress, \
        wants_progress

    paths = [Path(p) for p in args.paths]
    if STDIN in args.paths and len(args.paths) > 1:
        return _usage("`-` (stdin) cannot be checked together with other paths")
    missing = [str(p) for p in paths if str(p) != STDIN and not p.exists() and not p.is_symlink()]
    if missing:
        return _usage(f"no such file or directory: {', '.join(missing)}")
    try:
        overrides = configuration.Overrides(
            select=configuration.codes(args.select or (), "--select"),
            ignore=configuration.codes(args.ignore or (), "--ignore"),
            extend_select=configuration.codes(args.extend_select or (), "--extend-select"))
        resolver = configuration.Resolver(overrides, Path(args.config) if args.config else None)
        notes: list[str] = []
        if args.paths == [STDIN]:
            name = Path(args.stdin_filename or "stdin.py")
            targets = [Target(name, resolver.for_path(name), args.stdin_filename or STDIN,
                              decode(sys.stdin.buffer.read()))]
        else:
            targets = list(discover(paths, resolver, notes))
    except configuration.ConfigError as error:
        return _usage(str(error))
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:  # stdin in an encoding it does not declare
        return _usage(f"stdin could not be decoded: {error}")
    jobs = default_jobs() if args.jobs in (None, 0) else args.jobs
    outcome = check_targets(targets, jobs, terminal_progress if wants_progress() else None)
    for note in notes + outcome.notes:
        print(f"torch-pitfalls: {note}", file=sys.stderr)
    report = _render(args, outcome.findings, outcome.files, resolver)
    if args.output_file:
        Path(args.output_file).write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    return EXIT_FINDINGS if outcome.findings and not args.exit_zero else EXIT_OK


def _render(args: argparse.Namespace, findings: list[Reported], files: int, resolver: Resolver) -> str:
    from .report import Style, as_json, github, gitlab, sarif, statistics, summary, text

    style = Style.for_stream(args.output_file is None and sys.stdout.isatty())
    if args.statistics:
        from .checks import ALL_CHECKS

        return statistics(findings, {c.code: c.summary for c in ALL_CHECKS})
    if args.format == "text":
        shown = text(findings, style, source=not (args.no_source or args.quiet))
        return shown if args.quiet else shown + summary(findings, files, style)
    if args.format == "json":
        return as_json(findings, files)
    if args.format == "github":
        return github(findings)
    if args.format == "gitlab":
        return gitlab(findings)
    from .checks import ALL_CHECKS
    from .docs import page_body
    from .report import RuleInfo

    configs = resolver.configs()
    rules = [RuleInfo(c.code, c.title, c.summary, page_body(c)) for c in ALL_CHECKS
             if any(config.enabled(c.code) for config in configs)]
    return sarif(findings, rules)


def _usage(message: str) -> int:
    print(f"torch-pitfalls: {message}", file=sys.stderr)
    return EXIT_USAGE


class _HelpFormatter(argparse.HelpFormatter):
    """Each option's help says its default, where it has one worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.option_strings and action.default not in (None, False, [], argparse.SUPPRESS):
            text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    formatter = _HelpFormatter
    parser = argparse.ArgumentParser(prog="torch-pitfalls", description="Catch the PyTorch mistakes that cost days.",
                                     formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", formatter_class=formatter,
                           help="lint files or directories (no flake8 needed; reads [tool.torch-pitfalls])",
                           description="Lint files or directories. Exit 0: no problems; 1: findings, or files that "
                                       "could not be read or parsed; 2: a usage or configuration error.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or directories; `-` reads stdin")
    check.add_argument("--select", action="append", metavar="CODES",
                       help="comma-separated codes or prefixes to report (default: every rule that is on by default)")
    check.add_argument("--extend-select", action="append", metavar="CODES",
                       help="codes to add to the selection, e.g. the opt-in TPF012")
    check.add_argument("--ignore", action="append", metavar="CODES", help="comma-separated codes or prefixes to drop")
    check.add_argument("--format", choices=["text", "json", "github", "gitlab", "sarif"], default="text",
                       help="text: each finding with its source line and fix; json: see report.schema.json; "
                            "github: workflow annotations; gitlab: Code Quality; sarif: code scanning")
    check.add_argument("--no-source", action="store_true", help="text: one line per finding, then the summary")
    check.add_argument("-q", "--quiet", action="store_true", help="text: one line per finding and no summary")
    check.add_argument("--statistics", action="store_true", help="print how many findings each code has, instead")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument("--config", metavar="PYPROJECT",
                       help="the pyproject.toml whose [tool.torch-pitfalls] applies to every file "
                            "(default: each file's nearest pyproject.toml that has that table)")
    check.add_argument("--stdin-filename", metavar="PATH",
                       help="with `-`: the name to report, and to match configuration against")
    check.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="processes to check files in (default: one per CPU, for more than a few files)")
    check.set_defaults(handler=_check)
    confirm = sub.add_parser("confirm", formatter_class=formatter,
                             help="run each rule's reproducer with torch and show the failure it warns about",
                             description="Exit 0 when every (rule, device) that was run is confirmed; 1 when one "
                                         "is not; 2 for a usage error (--device cuda without a GPU, torch missing).")
    confirm.add_argument("--device", choices=["cpu", "cuda", "all"], default="cpu",
                         help="all: the CPU, and CUDA when this machine has it (said on stderr when not)")
    confirm.add_argument("--rule", action="append", default=[], metavar="TPFnnn",
                         help="a rule to confirm (repeatable; default: every rule)")
    confirm.add_argument("--json", action="store_true", help="print a JSON list of {rule, device, verdict, evidence}")
    confirm.add_argument("--timeout", type=_seconds, default=180.0, help="seconds per reproducer run")
    confirm.set_defaults(handler=_confirm)
    explain = sub.add_parser("explain", help="print a rule's page", formatter_class=formatter)
    explain.add_argument("code", help="a rule's code, e.g. TPF003")
    explain.set_defaults(handler=_explain)
    rules = sub.add_parser("rules", help="list the rules with one-line summaries", formatter_class=formatter)
    rules.set_defaults(handler=_rules)
    return parser


def _seconds(text: str) -> float:
    """A positive, finite number of seconds; anything else is a usage error (exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive, finite number of seconds")
    return value


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so that `confirm` stops its reproducer before it goes."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("torch-pitfalls: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
