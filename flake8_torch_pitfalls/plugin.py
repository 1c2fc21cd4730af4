"""flake8 entry point (prefix TPF). Kept import-light: libcst loads only for files that mention torch."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from . import __version__
from .defaults import ALL_CODES, OFF_BY_DEFAULT, unknown_codes, unknown_codes_error

if TYPE_CHECKING:
    from .triggers import Triggers


class TorchPitfallsChecker:
    """Reports TPF findings for one file from the lines flake8 already read (stdin `-` works too)."""

    name = "flake8-torch-pitfalls"
    version = __version__
    extra_losses: frozenset[str] = frozenset()
    extra_no_grad: frozenset[str] = frozenset()
    disabled: frozenset[str] = frozenset()

    @classmethod
    def add_options(cls, manager: Any) -> None:
        manager.extend_default_ignore(sorted(OFF_BY_DEFAULT))  # opt-in rules: on with --extend-select
        manager.add_option("--torch-pitfalls-extra-losses", default="", parse_from_config=True,
                           comma_separated_list=True, metavar="QUALNAMES",
                           help="callables (or loss classes) that produce losses, e.g. mylib.losses.focal_loss")
        manager.add_option("--torch-pitfalls-extra-no-grad", default="", parse_from_config=True,
                           comma_separated_list=True, metavar="QUALNAMES",
                           help="context managers / decorators that disable autograd, e.g. mylib.eval_mode")
        manager.add_option("--torch-pitfalls-disable", default="", parse_from_config=True,
                           comma_separated_list=True, metavar="CODES", help="TPF rules not to run at all")

    @classmethod
    def parse_options(cls, options: Any) -> None:
        cls.extra_losses = frozenset(options.torch_pitfalls_extra_losses)
        cls.extra_no_grad = frozenset(options.torch_pitfalls_extra_no_grad)
        disabled = [code.strip().upper() for code in options.torch_pitfalls_disable if code.strip()]
        unknown = unknown_codes(disabled)
        if unknown:  # a code that disables nothing is a mistake to say, as flake8 says its own option errors
            print(f"flake8: error: {unknown_codes_error('torch-pitfalls-disable', unknown)}", file=sys.stderr)
            raise SystemExit(2)
        cls.disabled = frozenset(code for code in ALL_CODES if any(code.startswith(p) for p in disabled))
        cls.disabled |= _unreported(options)

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str = "-") -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def _triggered(self, source: str) -> Triggers | None:
        """The enabled rules' text triggers searched before libcst loads, handed on to the engine; None when
        the project's own loss names widen them (then the engine searches)."""
        if self.extra_losses:
            return None
        from .trigger_groups import DEFAULT_TRIGGERS
        from .triggers import Triggers

        return Triggers(source, [group for code, groups in DEFAULT_TRIGGERS.items() if code not in self.disabled
                                 for group in groups])

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        if self.disabled >= ALL_CODES:
            return  # `--select E,W,F`: nothing this plugin finds would be shown, so nothing is analysed
        source = "".join(self.lines)
        if "torch" not in source:
            return
        triggered = self._triggered(source)
        if triggered is not None and not triggered:
            return  # no rule has a candidate here: libcst is never loaded
        try:
            from .engine import SourceNotParsed, check_source
            from .settings import Settings
        except Exception as error:  # libcst missing or broken: say so once, keep flake8's run going
            _say_once(f"flake8-torch-pitfalls: cannot load its engine ({type(error).__name__}: {error}); "
                      "no TPF findings are reported")
            return
        try:
            located = check_source(source, Settings(self.extra_losses, self.extra_no_grad), self.disabled,
                                   self.tree if isinstance(self.tree, ast.Module) else None, triggered)
        except SourceNotParsed:
            return
        except (Exception, RecursionError) as error:  # never take the user's whole flake8 run down
            print(f"flake8-torch-pitfalls: internal error on {self.filename}: {type(error).__name__}: {error}; "
                  "no TPF findings reported for this file", file=sys.stderr)
            return
        for finding in located:
            yield finding.line, finding.column, finding.message, type(self)


def _unreported(options: Any) -> frozenset[str]:
    """The codes flake8's selection would drop (`--select E,W,F`), asked of flake8's own decision engine;
    none when that engine cannot be asked (another flake8), so that every rule still runs."""
    try:
        from flake8.style_guide import Decision, DecisionEngine  # type: ignore[import-untyped]

        engine = DecisionEngine(options)
        return frozenset(code for code in ALL_CODES if engine.decision_for(code) is Decision.Ignored)
    except Exception:  # flake8's internals moved: analyse as before
        return frozenset()


_said: set[str] = set()


def _say_once(line: str) -> None:
    """One stderr line per process, however many files hit the same failure."""
    if line not in _said:
        _said.add(line)
        print(line, file=sys.stderr)
