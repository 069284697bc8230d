"""Project configuration: `[tool.loadspec]` in the nearest `pyproject.toml`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadspec.errors import LoadspecError

__all__ = ["parse_var", "project_config", "project_variables"]


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
