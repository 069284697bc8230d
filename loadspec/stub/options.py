"""The embedded gateway's options (the table's stub entries) as a `StubConfig`, and back.

`loadspec stub`, `python -m loadspec.stub` and the launcher (`StubServer`, which starts the
gateway as a child process with the flags `config_to_argv` writes) all go through the one
table in `loadspec.config`, so the command line, the child and the config never disagree.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from loadspec.config.options import OPTIONS
from loadspec.config.project import Project, find_project
from loadspec.config.register import option_values
from loadspec.config.stub_options import FAULTS
from loadspec.config.table import Command, Option, taken_by
from loadspec.stub.config import Faults, ServerKind, StubConfig, parse_delay

__all__ = [
    "STUB_SECRET_ENV",
    "TOKENS_ENV",
    "config_from_values",
    "config_to_argv",
    "secret_env",
    "stub_values",
]

_OPTIONS = {option.dest: option for option in taken_by(OPTIONS, Command.STUB)}
# Secrets travel to a spawned stub through its environment, never its argv (which `ps` shows).
TOKENS_ENV = _OPTIONS["tokens"].env or ""
STUB_SECRET_ENV = _OPTIONS["webhook_secret"].env or ""
_CONFIG_FIELDS = frozenset(f.name for f in fields(StubConfig)) - {"faults"}
_FAULT_FIELDS = frozenset(f.name for f in fields(Faults))
_DELAYS = frozenset(f.name for f in (*fields(StubConfig), *fields(Faults)) if f.type == "Delay")


def stub_values(parsed: Any, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The stub options' values: the command line, `LOADSPEC_STUB_*`, `[tool.loadspec.stub]`.

    A gateway its launcher started (`--ready-json`) takes its flags and secrets only: the
    settings of a gateway someone runs by hand never reach a run's embedded one.
    """
    environ = os.environ if environ is None else environ
    if getattr(parsed, "ready_json", False):
        secrets = {TOKENS_ENV, STUB_SECRET_ENV}
        return option_values(
            parsed, Command.STUB, {}, {k: environ[k] for k in secrets & {*environ}}
        )
    project: Project = find_project(Path.cwd())
    return option_values(parsed, Command.STUB, project.stub, environ)


def config_from_values(values: Mapping[str, Any]) -> StubConfig:
    """The `StubConfig` the stub options' values describe (its defaults for those unset)."""
    given = {name: _typed(name, value) for name, value in values.items() if value not in (None, ())}
    faults = Faults(**{k: v for k, v in given.items() if k in _FAULT_FIELDS})
    main = {k: v for k, v in given.items() if k in _CONFIG_FIELDS}
    return StubConfig(faults=faults, **main)


def _typed(name: str, value: Any) -> Any:
    if name in _DELAYS:
        return parse_delay(value)
    return ServerKind(value) if name == "server" else value


def config_to_argv(config: StubConfig) -> list[str]:
    """Flags for `config` but its secrets (see `secret_env`); only values off the defaults."""
    argv = ["--host", config.host, "--port", str(config.port)]
    default, default_faults = StubConfig(), Faults()
    for option in _OPTIONS.values():
        if not _passed(option):
            continue
        fault = option.group == FAULTS
        value = getattr(config.faults if fault else config, option.dest)
        if value == getattr(default_faults if fault else default, option.dest):
            continue
        values = value if isinstance(value, tuple) else (value,)  # a repeatable option's
        for one in values:
            argv += [option.name, str(one)]
    return argv


def _passed(option: Option) -> bool:
    dest = option.dest
    fields_ = _CONFIG_FIELDS - {"host", "port"}
    return not option.secret and (dest in fields_ or dest in _FAULT_FIELDS)


def secret_env(config: StubConfig) -> dict[str, str]:
    """The environment variables that carry `config`'s tokens and webhook secret to a child."""
    return {TOKENS_ENV: "\n".join(config.tokens), STUB_SECRET_ENV: config.webhook_secret}


def _check_table() -> None:
    # Every config field has an option: a new field without one would never reach the child.
    missing = (_CONFIG_FIELDS | _FAULT_FIELDS) - set(_OPTIONS)
    assert not missing, f"stub options missing for {sorted(missing)}"


_check_table()
