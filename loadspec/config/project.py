"""`[tool.loadspec]` in pyproject.toml: found once, checked against the table before any use.

Its keys are the table's options (`request-timeout = 30`, `allow-host = ["api.example.com"]`,
`include-skipped = true`) and four tables of its own: `vars`, `declare`, `ref-bases` and
`profile`; the embedded gateway's options go in `[tool.loadspec.stub]`. A key that is none of
these, or a value of the wrong type, is a `ConfigError` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.config.options import OPTIONS
from loadspec.config.table import Command, Kind, Option
from loadspec.errors import ConfigError, did_you_mean

__all__ = ["Project", "find_project", "project_from_text", "read_project"]

_SECTION = "[tool.loadspec]"
_TABLES = ("vars", "declare", "ref-bases", "profile", "stub")


@dataclass(frozen=True, slots=True)
class Project:
    """What a project's `[tool.loadspec]` says, checked.

    Attributes:
        path: the pyproject.toml it was read from (None: no project has one).
        options: option field -> its text, list of texts or bool (the main commands').
        stub: the same for `[tool.loadspec.stub]` (the embedded gateway's options).
        variables: `[tool.loadspec.vars]`, text or numbers as written.
        declared: `declare`, run variable names declared without a value.
        ref_bases: `[tool.loadspec.ref-bases]`, `$ref` prefix -> folder (relative ones from
            the file's folder).
        profile: `[tool.loadspec.profile]` as written (the profile's reader checks it).
    """

    path: Path | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    stub: Mapping[str, Any] = field(default_factory=dict)
    variables: Mapping[str, str | int | float] = field(default_factory=dict)
    declared: frozenset[str] = frozenset()
    ref_bases: tuple[tuple[str, Path], ...] = ()
    profile: Mapping[str, Any] | None = None

    @property
    def folder(self) -> Path:
        """Where relative paths in it start (the current folder without a project)."""
        return self.path.parent if self.path is not None else Path.cwd()

    def values_for(self, command: Command) -> Mapping[str, Any]:
        """The option values it gives `command`."""
        return self.stub if command.is_stub else self.options

    def elsewhere(self) -> str | None:
        """A line saying which file is read, when it is not the current folder's."""
        if self.path is None or self.path.parent == Path.cwd().resolve():
            return None
        return f"loadspec: settings from {self.path} {_SECTION}"


def find_project(*starts: Path) -> Project:
    """The nearest pyproject.toml with a `[tool.loadspec]` table above the first of `starts`
    that has one (pass the specs first, then the current folder)."""
    for given in starts:
        start = given.resolve()
        for folder in (start if start.is_dir() else start.parent, *start.parents):
            candidate = folder / "pyproject.toml"
            if candidate.is_file():
                section = _section(candidate, _toml(candidate))
                if section is not None:
                    return project_from_dict(section, candidate)
    return Project()


def read_project(path: Path) -> Project:
    """The `[tool.loadspec]` of one pyproject.toml (an empty Project when it has none)."""
    section = _section(path, _toml(path))
    return Project() if section is None else project_from_dict(section, path)


def project_from_text(text: str, path: Path) -> Project:
    """The same from the file's text."""
    section = _section(path, _parse(text, path))
    return Project() if section is None else project_from_dict(section, path)


def _toml(path: Path) -> Mapping[str, Any]:
    try:
        return _parse(path.read_text(encoding="utf-8"), path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def _parse(text: str, path: Path) -> Mapping[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _section(path: Path, data: Mapping[str, Any]) -> Mapping[str, Any] | None:
    tool = data.get("tool", {})
    if not isinstance(tool, Mapping):
        raise ConfigError(f"{path}: 'tool' must be a table ([tool.NAME]), found {_type(tool)}")
    section = tool.get("loadspec")
    if section is not None and not isinstance(section, Mapping):
        raise ConfigError(f"{path}: {_SECTION} must be a table, found {_type(section)}")
    return section


def project_from_dict(section: Mapping[str, Any], path: Path) -> Project:
    """A checked Project from the section's data (`ConfigError` at the first bad key)."""
    main = [o for o in OPTIONS if o.config and not all(c.is_stub for c in o.commands)]
    _known(path, _SECTION, section, (*_TABLES, *(o.key for o in main)))
    stub_section = _table(path, "stub", section.get("stub", {}))
    stub = [o for o in OPTIONS if o.config and any(c.is_stub for c in o.commands)]
    _known(path, "[tool.loadspec.stub]", stub_section, [o.key for o in stub])
    profile = section.get("profile")
    if profile is not None and not isinstance(profile, Mapping):
        raise ConfigError(f"{path}: [tool.loadspec.profile] must be a table with stages = [...]")
    return Project(
        path=path,
        options=_option_values(path, _SECTION, section, main),
        stub=_option_values(path, "[tool.loadspec.stub]", stub_section, stub),
        variables=_variables(path, _table(path, "vars", section.get("vars", {}))),
        declared=_declared(path, section.get("declare", [])),
        ref_bases=_ref_bases(path, _table(path, "ref-bases", section.get("ref-bases", {}))),
        profile=profile,
    )


def _known(path: Path, where: str, section: Mapping[str, Any], keys: Iterable[str]) -> None:
    known = tuple(keys)
    for key in section:
        if key not in known:
            near = did_you_mean(str(key), known, cutoff=0.6)
            hint = f": did you mean {near!r}?" if near else f" (known keys: {', '.join(known)})"
            raise ConfigError(f"{path}: {where} unknown key {key!r}{hint}")


def _table(path: Path, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: [tool.loadspec.{key}] must be a table, found {_type(value)}")
    return value


def _option_values(
    path: Path, where: str, section: Mapping[str, Any], options: Iterable[Option]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for option in options:
        if option.key in section:
            what = f"{path}: {where} {option.key}"
            value = _checked(option, section[option.key], what)
            if option.kind is not Kind.FLAG:
                for text in [value] if option.positional or isinstance(value, str) else value:
                    option.value(text, what)
            values[option.dest] = value
    return values


def _checked(option: Option, value: Any, what: str) -> Any:
    """The value as the option's text(s): bool for a flag, texts for the rest."""
    if option.kind is Kind.FLAG:
        if not isinstance(value, bool):
            raise ConfigError(f"{what} must be true or false, found {_type(value)}")
        return value
    many = option.kind is Kind.REPEAT or option.positional
    if many and isinstance(value, list):
        return [_text(item, what) for item in value]
    return [_text(value, what)] if many else _text(value, what)


def _text(value: Any, what: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{what} must be a string or a number, found {_type(value)}")
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _variables(path: Path, table: Mapping[str, Any]) -> dict[str, str | int | float]:
    # Checked as text, kept as given: a number stays a number where a placeholder is the
    # whole value.
    for name, value in table.items():
        _text(value, f"{path}: [tool.loadspec.vars] {name}")
    return {str(name): value for name, value in table.items()}


def _declared(path: Path, names: Any) -> frozenset[str]:
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(f'{path}: {_SECTION} declare must be a list of names: ["staff_uid", ...]')
    return frozenset(n.strip() for n in names)


def _ref_bases(path: Path, table: Mapping[str, Any]) -> tuple[tuple[str, Path], ...]:
    if not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(f'{path}: [tool.loadspec.ref-bases] must be a table of "PREFIX" = "DIR"')
    return tuple(
        (str(prefix), path.parent / Path(target).expanduser()) for prefix, target in table.items()
    )


def _type(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a table"
    return names.get(type(value), type(value).__name__)
