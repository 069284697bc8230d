"""Run variables, one merge for every command: `[tool.loadspec.vars]` in the nearest
`pyproject.toml`, then an api-validation configuration's `params`, then `LOADSPEC_VAR_<NAME>`,
then `--var NAME=VALUE`, later winning. Names can also be declared without a value
(`[tool.loadspec] declare = [...]`, or a configuration's empty params): checks know them,
and a run that needs one refuses to start."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.errors import LoadspecError

__all__ = [
    "VAR_PREFIX",
    "RunVariables",
    "collect_variables",
    "env_variables",
    "parse_var",
    "project_config",
    "project_declared",
    "project_file",
    "project_ref_bases",
    "project_variables",
    "run_variables",
]

VAR_PREFIX = "LOADSPEC_VAR_"


def project_config(*starts: Path) -> Mapping[str, Any]:
    """`[tool.loadspec]` of the nearest `pyproject.toml` above the first of `starts` with one."""
    return project_file(*starts)[1]


def project_file(*starts: Path) -> tuple[Path | None, Mapping[str, Any]]:
    """The folder of that `pyproject.toml` (relative paths in it start there) and its section."""
    for start in starts:
        folder, found = _nearest(start)
        if found:
            return folder, found
    return None, {}


def _nearest(start: Path) -> tuple[Path | None, Mapping[str, Any]]:
    start = start.resolve()
    for folder in (start if start.is_dir() else start.parent, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise LoadspecError(f"{candidate}: cannot read: {exc}") from None
            section = data.get("tool", {}).get("loadspec")
            if isinstance(section, Mapping):
                return folder, section
    return None, {}


def project_variables(*starts: Path) -> dict[str, str]:
    """Run variables the project declares in `[tool.loadspec.vars]`."""
    variables = project_config(*starts).get("vars", {})
    if not isinstance(variables, Mapping):
        raise LoadspecError("[tool.loadspec.vars] must be a table of NAME = VALUE")
    return {str(k): str(v) for k, v in variables.items()}


def project_declared(*starts: Path) -> frozenset[str]:
    """Run variable names the project declares without a value: `[tool.loadspec] declare`."""
    names = project_config(*starts).get("declare", [])
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        raise LoadspecError('[tool.loadspec] declare must be a list of names: ["staff_uid", ...]')
    return frozenset(n.strip() for n in names)


def project_ref_bases(*starts: Path) -> list[tuple[str, Path]]:
    """`[tool.loadspec.ref-bases]`: `$ref` URL prefix -> folder (relative to pyproject.toml)."""
    folder, section = project_file(*starts)
    table = section.get("ref-bases", {})
    if not isinstance(table, Mapping) or not all(isinstance(v, str) for v in table.values()):
        raise LoadspecError('[tool.loadspec.ref-bases] must be a table of "PREFIX" = "DIR"')
    base = folder or Path.cwd()
    return [(str(prefix), base / Path(target).expanduser()) for prefix, target in table.items()]


def parse_var(text: str) -> tuple[str, str]:
    """`NAME=VALUE` as a pair; a clear error otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise LoadspecError(f"--var {text!r} is not NAME=VALUE")
    return name.strip(), value


def env_variables(environ: Mapping[str, str]) -> dict[str, str]:
    """`LOADSPEC_VAR_<NAME>` as run variables, names lower-cased (`THING_ID` -> `thing_id`)."""
    return {
        key[len(VAR_PREFIX) :].lower(): value
        for key, value in environ.items()
        if key.startswith(VAR_PREFIX) and len(key) > len(VAR_PREFIX)
    }


def run_variables(
    starts: Iterable[Path],
    var_options: Iterable[str],
    environ: Mapping[str, str] | None = None,
    configured: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every source merged: the project's pyproject.toml (the nearest above the first of
    `starts` that has one), then `configured` (a configuration's params), then
    `LOADSPEC_VAR_<NAME>`, then each `--var NAME=VALUE`."""
    merged = project_variables(*starts)
    merged.update(configured or {})
    merged.update(env_variables(os.environ if environ is None else environ))
    merged.update(parse_var(text) for text in var_options)
    return merged


@dataclass(frozen=True, slots=True)
class RunVariables:
    """A run's variables: the values, and the names declared without one.

    Attributes:
        values: name -> value, every source merged.
        unvalued: name -> where it was declared, for names no source gives a value.
    """

    values: Mapping[str, str] = field(default_factory=dict)
    unvalued: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> frozenset[str]:
        """Every name a spec may use: with a value or declared."""
        return frozenset(self.values) | frozenset(self.unvalued)

    def for_checks(self, known_anyway: frozenset[str]) -> frozenset[str]:
        """The names to tell the checks: those with a value, and those declared without one
        that the checks do not already know (they list those as needing a value)."""
        return frozenset(self.values) | (frozenset(self.unvalued) - known_anyway)

    def refusal(self, needs: Mapping[Path, frozenset[str]]) -> str | None:
        """Why a run of specs (file -> the names it needs) cannot start, or None: some name it
        needs was declared without a value."""
        users: dict[str, list[str]] = {}
        for path, names in needs.items():
            for name in sorted(names & frozenset(self.unvalued)):
                users.setdefault(name, []).append(str(path))
        if not users:
            return None
        parts = [
            f"{name!r} (declared in {self.unvalued[name]}; needed by {', '.join(files)})"
            for name, files in sorted(users.items())
        ]
        first = min(users)
        return (
            f"run variable(s) without a value: {'; '.join(parts)}: give each a value "
            f"(--var {first}=..., LOADSPEC_VAR_{first.upper()}, or the configuration)"
        )


def collect_variables(
    starts: Iterable[Path],
    var_options: Iterable[str],
    environ: Mapping[str, str] | None = None,
    configured: Mapping[str, str] | None = None,
    declared: Mapping[str, str] | None = None,
) -> RunVariables:
    """`run_variables`, plus the names declared without a value (`declare`, and `declared`:
    name -> where) that no source fills."""
    starts = tuple(starts)
    values = run_variables(starts, var_options, environ, configured)
    names = dict.fromkeys(project_declared(*starts), "[tool.loadspec] declare")
    names.update(declared or {})
    return RunVariables(values, {n: w for n, w in names.items() if n not in values})
