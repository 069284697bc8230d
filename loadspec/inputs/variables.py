"""Run variables, one merge for every command: the project's `[tool.loadspec.vars]`, then an
api-validation configuration's `params`, then `LOADSPEC_VAR_<NAME>`, then `--var NAME=VALUE`,
later winning. Names can also be declared without a value
(`[tool.loadspec] declare = [...]`, or a configuration's empty params): checks know them,
and a run that needs one refuses to start."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadspec.errors import LoadspecError

if TYPE_CHECKING:
    from loadspec.config.project import Project

__all__ = ["VAR_PREFIX", "RunVariables", "collect_variables", "env_variables", "parse_var"]

VAR_PREFIX = "LOADSPEC_VAR_"


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


@dataclass(frozen=True, slots=True)
class RunVariables:
    """A run's variables: the values, and the names declared without one.

    Attributes:
        values: name -> value, every source merged (text, or a number from a file).
        unvalued: name -> where it was declared, for names no source gives a value.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
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
    project: Project,
    var_options: Iterable[tuple[str, str]],
    environ: Mapping[str, str] | None = None,
    configured: Mapping[str, Any] | None = None,
    declared: Mapping[str, str] | None = None,
) -> RunVariables:
    """Every source merged, later winning: the project's `[tool.loadspec.vars]`, `configured`
    (a configuration's params), `LOADSPEC_VAR_<NAME>`, each `--var` (parsed pairs); and the
    names declared without a value (`declare`, and `declared`: name -> where) none fills."""
    values = dict(project.variables)
    values.update(configured or {})
    values.update(env_variables(os.environ if environ is None else environ))
    values.update(var_options)
    names = dict.fromkeys(project.declared, "[tool.loadspec] declare")
    names.update(declared or {})
    return RunVariables(values, {n: w for n, w in names.items() if n not in values})
