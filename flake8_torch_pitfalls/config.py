"""Project settings: `[tool.torch-pitfalls]` in pyproject.toml (standalone) or flake8 options."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

from .defaults import OFF_BY_DEFAULT
from .settings import Settings

KNOWN_KEYS = frozenset({"select", "extend-select", "ignore", "disable", "extra-losses", "extra-no-grad", "exclude"})


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
    source: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return Settings(self.extra_losses, self.extra_no_grad)

    def enabled(self, code: str) -> bool:
        """flake8 semantics: the longest matching prefix of select/ignore decides, and an opt-in rule
        (OFF_BY_DEFAULT) is ignored by default, which only a prefix the user selected overrides."""
        chosen = max((p for p in self.select if code.startswith(p)), key=len, default=None)
        ignored = max((p for p in self.ignore if code.startswith(p)), key=len, default=None)
        if code in OFF_BY_DEFAULT and not any(code.startswith(p) for p in self.explicit):
            return False
        if chosen is None:
            return False
        return ignored is None or len(chosen) > len(ignored)


def find_pyproject(start: Path) -> Path | None:
    start = start.resolve()
    for directory in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _strings(table: dict[str, object], key: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.torch-pitfalls] {key} must be a list of strings")
    return tuple(value)


def load(pyproject: Path | None) -> Config:
    if pyproject is None:
        return Config()
    if tomllib is None:
        return Config(notes=["pyproject.toml not read: Python 3.11+ is needed for tomllib"])
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {pyproject}: {error}") from error
    table = data.get("tool", {}).get("torch-pitfalls", {})
    if not isinstance(table, dict):
        raise ConfigError("[tool.torch-pitfalls] must be a table")
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"[tool.torch-pitfalls] has unknown keys: {', '.join(unknown)}")
    extend = _strings(table, "extend-select")
    return Config(
        select=(_strings(table, "select") or ("TPF",)) + extend,
        ignore=_strings(table, "ignore") + _strings(table, "disable"),
        explicit=_strings(table, "select") + extend,
        extra_losses=frozenset(_strings(table, "extra-losses")),
        extra_no_grad=frozenset(_strings(table, "extra-no-grad")),
        exclude=_strings(table, "exclude"),
        source=pyproject,
    )


def with_cli(config: Config, select: Iterable[str] | None, ignore: Iterable[str] | None,
             extend_select: Iterable[str] | None = None) -> Config:
    extend = tuple(extend_select or ())
    return Config(
        select=(tuple(select) if select else config.select) + extend,
        ignore=config.ignore + tuple(ignore or ()),
        explicit=(tuple(select) if select else config.explicit) + extend,
        extra_losses=config.extra_losses,
        extra_no_grad=config.extra_no_grad,
        exclude=config.exclude,
        source=config.source,
    )
