"""The mock's options (the table's `mock` entries) as a `MockConfig`, and back to flags.

`loadspec mock`, `python -m loadspec.mock` and the launcher (`MockServer`, which starts the
mock as a child process with the flags `mock_argv` writes) all read the one table.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadspec.config.options import OPTIONS
from loadspec.config.project import find_project
from loadspec.config.register import option_values
from loadspec.config.stub_options import FAULTS
from loadspec.config.table import Command, taken_by
from loadspec.mock.config import DEFAULT_MAX_RECORDS, MockConfig
from loadspec.stub.config import Faults, StubConfig
from loadspec.stub.options import STUB_SECRET_ENV, config_from_values

__all__ = ["CREDENTIALS_ENV", "mock_argv", "mock_config", "mock_secret_env", "mock_values"]

_OPTIONS = {option.dest: option for option in taken_by(OPTIONS, Command.MOCK)}
_MOCK_ONLY = frozenset({"contracts", "ref_base", "max_records", "credentials", "lenient"})
_OWN = _MOCK_ONLY | {"host", "port"}
_SERVER = frozenset(_OPTIONS) - _MOCK_ONLY
# Secrets travel to a spawned mock through its environment, never its argv (which `ps` shows).
CREDENTIALS_ENV = _OPTIONS["credentials"].env or ""


def mock_values(parsed: Any, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The mock options' values: the command line, the variables, `[tool.loadspec.stub]`.

    A mock its launcher started (`--ready-json`) takes its flags and its secret only.
    """
    environ = os.environ if environ is None else environ
    if getattr(parsed, "ready_json", False):
        secret = {k: environ[k] for k in {STUB_SECRET_ENV, CREDENTIALS_ENV} & {*environ}}
        return option_values(parsed, Command.MOCK, {}, secret)
    project = find_project(Path.cwd())
    values = option_values(parsed, Command.MOCK, project.stub, environ)
    # `[tool.loadspec.ref-bases]` first, as for every command; the flags' add up after it.
    values["ref_base"] = (*project.ref_bases, *(values.get("ref_base") or ()))
    return values


def mock_config(values: Mapping[str, Any]) -> MockConfig:
    """The `MockConfig` the mock options' values describe."""
    server = config_from_values({k: v for k, v in values.items() if k in _SERVER})
    return MockConfig(
        contracts=tuple(values.get("contracts") or ()),
        server=server,
        max_records=values.get("max_records") or DEFAULT_MAX_RECORDS,
        ref_bases=tuple(values.get("ref_base") or ()),
        credentials=tuple(values.get("credentials") or ()),
        lenient=bool(values.get("lenient")),
    )


def mock_secret_env(config: MockConfig) -> dict[str, str]:
    """The variables that carry `config`'s secrets (webhook secret, credentials) to a child."""
    return {
        STUB_SECRET_ENV: config.server.webhook_secret,
        CREDENTIALS_ENV: "\n".join(config.credentials),
    }


def mock_argv(config: MockConfig, more: list[str] | None = None) -> list[str]:
    """Flags for `config` but its secret (`stub.options.secret_env` carries it), then `more`
    flags, then the contracts."""
    server = config.server
    argv = ["--host", server.host, "--port", str(server.port)]
    default, default_faults = StubConfig(), Faults()
    for option in _OPTIONS.values():
        if option.secret or option.dest in _OWN or option.hidden:
            continue
        fault = option.group == FAULTS
        value = getattr(server.faults if fault else server, option.dest)
        if value != getattr(default_faults if fault else default, option.dest):
            argv += [option.name, str(value)]
    if config.lenient:
        argv.append("--lenient")
    if config.max_records != DEFAULT_MAX_RECORDS:
        argv += ["--max-records", str(config.max_records)]
    for prefix, folder in config.ref_bases:
        argv += ["--ref-base", f"{prefix}={folder}"]
    return [*argv, *(more or ()), "--", *(str(path) for path in config.contracts)]
