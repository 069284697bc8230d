"""Run variables, one merge for every command: `[tool.loadspec.vars]` in the nearest
`pyproject.toml`, then `LOADSPEC_VAR_<NAME>`, then `--var NAME=VALUE`, later winning."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from loadspec.errors import LoadspecError

__all__ = [
    "VAR_PREFIX",
    "env_variables",
    "parse_var",
    "project_config",
    "project_variables",
    "run_variables",
]

VAR_PREFIX = "LOADSPEC_VAR_"


def project_config(*starts: Path) -> Mapping[str, Any]:
    """`[tool.loadspec]` of the nearest `pyproject.toml` above the first of `starts` with one."""
    for start in starts:
        found = _nearest(start)
        if found:
            return found
    return {}


def _nearest(start: Path) -> Mapping[str, Any]:
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
                return section
    return {}


def project_variables(*starts: Path) -> dict[str, str]:
    """Run variables the project declares in `[tool.loadspec.vars]`."""
    variables = project_config(*starts).get("vars", {})
    if not isinstance(variables, Mapping):
        raise LoadspecError("[tool.loadspec.vars] must be a table of NAME = VALUE")
    return {str(k): str(v) for k, v in variables.items()}


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
    starts: Iterable[Path], var_options: Iterable[str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every source merged: the project's pyproject.toml (the nearest above the first of
    `starts` that has one), then `LOADSPEC_VAR_<NAME>`, then each `--var NAME=VALUE`."""
    merged = project_variables(*starts)
    merged.update(env_variables(os.environ if environ is None else environ))
    merged.update(parse_var(text) for text in var_options)
    return merged
