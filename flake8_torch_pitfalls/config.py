"""Project settings of the standalone command: `[tool.torch-pitfalls]` in pyproject.toml, as ruff reads its own.

Each file takes the nearest `pyproject.toml` above it that has a `[tool.torch-pitfalls]` table (one given
with `--config` wins for every file), and the patterns of that table (`exclude`, `per-file-ignores`) are
relative to the directory of the file that declares them. Codes are upper-cased wherever they come from;
a code that matches no rule is an error, never a silent no-op.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from PyPI (a dependency there)
    import tomli as tomllib

from .defaults import OFF_BY_DEFAULT, unknown_codes, unknown_codes_error
from .settings import Settings

TABLE = "[tool.torch-pitfalls]"
KNOWN_KEYS = frozenset({"select", "extend-select", "ignore", "disable", "extra-losses", "extra-no-grad", "exclude",
                        "per-file-ignores"})


class ConfigError(ValueError):
    """A configuration the user must fix (reported as a usage error, exit 2)."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("TPF",)
    ignore: tuple[str, ...] = ()
    explicit: tuple[str, ...] = ()  # prefixes the user selected by name (select given, extend-select)
    extra_losses: frozenset[str] = frozenset()
    extra_no_grad: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes)
    root: Path = field(default_factory=Path.cwd)  # what `exclude` and `per-file-ignores` are relative to
    source: Path | None = None

    @property
    def settings(self) -> Settings:
        return Settings(self.extra_losses, self.extra_no_grad)

    def enabled(self, code: str, path: Path | None = None) -> bool:
        """flake8 semantics: the longest matching prefix of select/ignore decides, and an opt-in rule
        (OFF_BY_DEFAULT) is ignored by default, which only a prefix the user selected overrides. A
        per-file ignore whose pattern matches `path` switches the code off in that file."""
        chosen = max((p for p in self.select if code.startswith(p)), key=len, default=None)
        ignored = max((p for p in self.ignore if code.startswith(p)), key=len, default=None)
        if code in OFF_BY_DEFAULT and not any(code.startswith(p) for p in self.explicit):
            return False
        if chosen is None or (ignored is not None and len(chosen) <= len(ignored)):
            return False
        if path is not None and self.per_file_ignores:
            names = self._names(path)
            return not any(code.startswith(prefix) for pattern, codes in self.per_file_ignores
                           if _matches(names, pattern) for prefix in codes)
        return True

    def excluded(self, path: Path) -> bool:
        if not self.exclude:
            return False
        names = self._names(path)
        return any(_matches(names, pattern) for pattern in self.exclude)

    def _names(self, path: Path) -> list[str]:
        """What a pattern is matched against: the file's name, its path relative to `root`, and each directory
        above it within `root` (so `tests` and `tests/*` both cover `tests/unit/test_x.py`)."""
        absolute = path.resolve()
        try:
            relative = absolute.relative_to(self.root.resolve())
        except ValueError:
            relative = absolute
        return [path.name, *(p.as_posix() for p in (relative, *relative.parents) if p.as_posix() not in (".", "/"))]


def _matches(names: Sequence[str], pattern: str) -> bool:
    pattern = pattern.rstrip("/")
    return any(fnmatch.fnmatch(name, pattern) for name in names)


def codes(values: Iterable[str], where: str) -> tuple[str, ...]:
    """Upper-cased codes (comma-separated strings are split); ConfigError names any that match no rule."""
    found = tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())
    unknown = unknown_codes(found)
    if unknown:
        raise ConfigError(unknown_codes_error(where, unknown))
    return found


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above `start` that has a `[tool.torch-pitfalls]` table."""
    start = start.resolve()
    for directory in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _table(candidate) is not None:
            return candidate
    return None


def _read(pyproject: Path) -> dict[str, object]:
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {pyproject}: {error}") from error


def _table(pyproject: Path) -> dict[str, object] | None:
    tool = _read(pyproject).get("tool", {})
    table = tool.get("torch-pitfalls") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: {TABLE} must be a table")
    return table


def _strings(table: dict[str, object], key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def load(pyproject: Path | None) -> Config:
    """The configuration `pyproject` declares (defaults, relative to the working directory, when None)."""
    if pyproject is None:
        return Config()
    table = _table(pyproject)
    if table is None:
        return Config(root=pyproject.resolve().parent, source=pyproject)
    where = f"{pyproject} {TABLE}"
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where} has unknown keys: {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_KEYS))}")
    select = codes(_strings(table, "select", where), f"{where} select")
    extend = codes(_strings(table, "extend-select", where), f"{where} extend-select")
    ignore = codes(_strings(table, "ignore", where) + _strings(table, "disable", where), f"{where} ignore/disable")
    return Config(
        select=(select or ("TPF",)) + extend,
        ignore=ignore,
        explicit=select + extend,
        extra_losses=frozenset(_strings(table, "extra-losses", where)),
        extra_no_grad=frozenset(_strings(table, "extra-no-grad", where)),
        exclude=_strings(table, "exclude", where),
        per_file_ignores=_per_file_ignores(table, where),
        root=pyproject.resolve().parent,
        source=pyproject,
    )


def _per_file_ignores(table: dict[str, object], where: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    value = table.get("per-file-ignores", {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of glob = [codes]")
    return tuple((pattern, codes(_strings(value, pattern, f"{where} per-file-ignores"),
                                 f"{where} per-file-ignores {pattern!r}")) for pattern in value)


@dataclass(frozen=True)
class Overrides:
    """What the command line says, applied over every file's configuration."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()

    def apply(self, config: Config) -> Config:
        return replace(
            config,
            select=(self.select or config.select) + self.extend_select,
            ignore=config.ignore + self.ignore,
            explicit=(self.select or config.explicit) + self.extend_select,
        )


class Resolver:
    """Each file's configuration: `--config` for all, else the nearest declaring pyproject.toml (each read once)."""

    def __init__(self, overrides: Overrides = Overrides(), config_file: Path | None = None,
                 fixed: Config | None = None) -> None:
        self.overrides = overrides
        self.fixed = overrides.apply(load(config_file)) if config_file is not None else fixed
        self._by_file: dict[Path | None, Config] = {}
        self._by_directory: dict[Path, Path | None] = {}

    def for_path(self, path: Path) -> Config:
        if self.fixed is not None:
            return self.fixed
        directory = path.resolve() if path.is_dir() else path.resolve().parent
        if directory not in self._by_directory:
            self._by_directory[directory] = find_pyproject(directory)
        pyproject = self._by_directory[directory]
        if pyproject not in self._by_file:
            self._by_file[pyproject] = self.overrides.apply(load(pyproject))
        return self._by_file[pyproject]

    def configs(self) -> Sequence[Config]:
        """Every configuration used so far (for the rules a SARIF log describes)."""
        return [self.fixed] if self.fixed is not None else list(self._by_file.values())
