"""What is decided before a single request: a configuration problem exits 2, in one line each."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from loadspec.config.settings import RunSettings
from loadspec.errors import ConfigError, ExitCode
from loadspec.files import SpecFiles, check_output
from loadspec.inputs.credentials import Credentials
from loadspec.inputs.targets import preflight_hosts
from loadspec.language.names import needed_variables
from loadspec.mock.embedded import spec_contracts
from loadspec.runtime.compiled import CompiledSpec
from loadspec.runtime.needs import missing_credentials
from loadspec.stub.served import foreign
from loadspec.verdicts.baseline import load_baseline
from loadspec.verdicts.thresholds import check_rows
from loadspec.webhooks.defaults import SECRET_ENV
from loadspec.webhooks.signing import Scheme

__all__ = [
    "check_base_paths",
    "check_outputs",
    "check_served",
    "check_targets",
    "check_webhook_secret",
    "known_rows",
    "preflight",
    "refuse",
    "row_spellings",
]

# Locust's report options, and the files each makes (`ending.py` writes them again at the end).
_OUTPUTS = (
    ("html_file", "--html", ("",)),
    ("json_file", "--json-file", (".json",)),
    (
        "csv_prefix",
        "--csv",
        ("_stats.csv", "_failures.csv", "_exceptions.csv", "_stats_history.csv"),
    ),
)


def refuse(message: str) -> NoReturn:
    """Stop the process with exit code 2 and `message`, no traceback.

    Locust imports the locustfile before anything else, and a SystemExit raised there ends
    the process before any runner, web UI or gateway exists.
    """
    for line in message.splitlines():
        print(line if line.startswith("loadspec") else f"loadspec: {line}", file=sys.stderr)
    raise SystemExit(ExitCode.USAGE)


def preflight(settings: RunSettings, specs: Iterable[CompiledSpec]) -> None:
    """Thresholds name rows the specs make; the baseline reads; every run variable the specs
    need has a value (`ConfigError` otherwise)."""
    specs = list(specs)
    check_rows(settings.thresholds, known_rows(specs), row_spellings(specs))
    refusal = settings.inputs.variables.refusal(
        {c.spec.path: needed_variables(c.spec) for c in specs}
    )
    if refusal is not None:
        raise ConfigError(refusal)
    if settings.baseline is not None:
        load_baseline(settings.baseline)


def check_outputs(options: Any) -> None:
    """Every report file Locust and loadspec will write can be written (`ConfigError` at once,
    rather than after the whole run); --junit is checked with the settings."""
    if getattr(options, "worker", False):
        return  # the master writes the reports
    for field, name, suffixes in _OUTPUTS:
        given = getattr(options, field, None)
        for suffix in suffixes if given else ():
            check_output(Path(f"{given}{suffix}"), name)


def known_rows(specs: Iterable[CompiledSpec]) -> set[str]:
    """Every stats row the specs can make, as thresholds name them."""
    rows: set[str] = set()
    for compiled in specs:
        if compiled.prerequisites:
            rows.add(f"SETUP {compiled.rerun_row}")
        for compiled_step in compiled.prerequisites + compiled.test_request:
            step = compiled_step.step
            if step.wait is not None or step.poll is not None:
                rows.add(f"WAIT {step.id}")
            if step.method is None or step.path is None:
                continue
            path = compiled_step.name.split(" ", 1)[1]
            rows |= {compiled_step.name, path}
            if step.poll is not None:
                rows |= {f"{compiled_step.name} (poll)", f"{path} (poll)"}
    return rows


def row_spellings(specs: Iterable[CompiledSpec]) -> dict[str, str]:
    """Other spellings of request rows (a step's path template, an operation with or without
    its base path) -> the row's name, for "did you mean"."""
    spellings: dict[str, str] = {}
    for compiled in specs:
        for step in compiled.prerequisites + compiled.test_request:
            for other in step.other_names:
                spellings.setdefault(other, step.name)
                if step.step.poll is not None:
                    spellings.setdefault(f"{other} (poll)", f"{step.name} (poll)")
    return spellings


def check_targets(options: Any, settings: RunSettings, specs: Iterable[CompiledSpec]) -> None:
    """The hosts the specs use are allowed, answer, and get only their own credentials.

    Without a host the run starts the embedded gateway: a fallback host is refused (the
    gateway's development token goes to the gateway only), and so are specs that call an
    operation the gateway does not serve (they were written for another API). Otherwise
    each host (and fallback host) must be loopback or allowed, resolve and accept one
    connection, specs that wait for callbacks need the secret that host signs them with,
    and every token type a spec sends must be set (`ConfigError` otherwise).
    """
    host = getattr(options, "host", None) or settings.inputs.host
    if not host:
        if settings.fallback_host:
            raise ConfigError(
                f"--fallback-host {settings.fallback_host} without --host: the run would start "
                "the embedded gateway, whose development token never goes to another host; "
                "give --host (and its tokens) to use a fallback host"
            )
        if not getattr(options, "worker", False):  # a worker takes the master's host
            check_served(specs, settings.root, settings.files)
        return
    specs = list(specs)
    targets = [("--host", host)]
    if settings.fallback_host:
        targets.append(("--fallback-host", settings.fallback_host))
    preflight_hosts(targets, settings.allowed)
    check_base_paths(host, specs)
    check_webhook_secret(host, settings, specs)
    _check_credentials(host, settings.credentials(), specs)


def check_base_paths(host: str, specs: Iterable[CompiledSpec]) -> None:
    """The contract's base path is given once: in the host, or in the specs' paths
    (`ConfigError` for a step whose path repeats the base path the host ends with)."""
    prefix = "/" + urlsplit(host).path.strip("/")
    for compiled in specs:
        for step in compiled.prerequisites + compiled.test_request:
            base = step.base_path
            if base and prefix.endswith(base):
                raise ConfigError(
                    f"{compiled.spec.path}:{step.step.line}: step {step.step.id}: its path "
                    f"{step.step.path} starts with {base}, and so does --host {host}: the "
                    f"request would go to {base}{base}/...; give the base path once (drop it "
                    "from the host or from the specs' paths)"
                )


def check_served(specs: Iterable[CompiledSpec], root: Path | None, files: SpecFiles | None) -> None:
    """Without a host, every request goes to the embedded gateway, or to a mock of the specs'
    contracts (`loadspec.mock.embedded`): a spec that calls an operation the gateway does not
    serve and names no contract to mock it from stops the run (`ConfigError` naming each
    spec and its first such request)."""
    others: list[str] = []
    for compiled in specs:
        for step in (s.step for s in compiled.prerequisites + compiled.test_request):
            if foreign(step.method, step.path):
                if not any(spec_contracts([compiled.spec], root, files)):
                    others.append(
                        f"{compiled.spec.path}: {step.method} {step.path} (step {step.id})"
                    )
                break
    if others:
        raise ConfigError(
            "\n".join(others) + f"\nloadspec: no --host given, so the run would start the "
            f"embedded gateway, which serves the communication gateway's and the clients "
            f"API's operations only, or a mock of the specs' contracts: {len(others)} spec(s) "
            "above call others and name no contract (swagger:) to mock. Give --host with the "
            "URL of the API they were written for"
        )


def check_webhook_secret(host: str, settings: RunSettings, specs: Iterable[CompiledSpec]) -> None:
    """Callbacks from a host that is not the embedded gateway are verified with its secret.

    The default secret is published (it is the embedded gateway's): with it, anyone who can
    reach the listener could forge the callbacks a wait trusts.
    """
    if settings.listener.secret or settings.listener.scheme is Scheme.NONE:
        return
    waiting = sorted(c.spec.path.name for c in specs if c.wait_events)
    if waiting:
        raise ConfigError(
            f"{host}: a spec waits for callbacks ({', '.join(waiting)}): set "
            f"{SECRET_ENV} to the secret that gateway signs them with (the default is the "
            "embedded gateway's, published), or give --webhook-signature none to take them "
            "unsigned"
        )


def _check_credentials(host: str, tokens: Credentials, specs: Iterable[CompiledSpec]) -> None:
    """Every credential a step sends is set (`ConfigError` naming each missing one)."""
    missing = missing_credentials(specs, tokens)
    if missing:
        raise ConfigError(
            "\n".join(
                f"loadspec: {host}: {line} (the development token is for the embedded gateway only)"
                for line in missing
            )
        )
