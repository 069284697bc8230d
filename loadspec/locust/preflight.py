"""What is decided before a single request: a configuration problem exits 2, in one line each."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

from loadspec.config.settings import RunSettings
from loadspec.errors import ConfigError, ExitCode
from loadspec.files import check_output
from loadspec.inputs.credentials import Credentials
from loadspec.inputs.targets import preflight_hosts
from loadspec.language.names import needed_variables
from loadspec.runtime.compiled import CompiledSpec
from loadspec.stub.served import serves
from loadspec.verdicts.baseline import load_baseline
from loadspec.verdicts.thresholds import check_rows
from loadspec.webhooks.defaults import SECRET_ENV
from loadspec.webhooks.signing import Scheme

__all__ = [
    "check_outputs",
    "check_served",
    "check_targets",
    "check_webhook_secret",
    "known_rows",
    "preflight",
    "refuse",
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
    check_rows(settings.thresholds, known_rows(specs))
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
        for step in (s.step for s in compiled.prerequisites + compiled.test_request):
            if step.wait is not None or step.poll is not None:
                rows.add(f"WAIT {step.id}")
            if step.method is None or step.path is None:
                continue
            rows |= {step.name, step.path}
            if step.poll is not None:
                rows |= {f"{step.name} (poll)", f"{step.path} (poll)"}
    return rows


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
            check_served(specs)
        return
    specs = list(specs)
    targets = [("--host", host)]
    if settings.fallback_host:
        targets.append(("--fallback-host", settings.fallback_host))
    preflight_hosts(targets, settings.allowed)
    check_webhook_secret(host, settings, specs)
    _check_credentials(host, Credentials.configured(settings.inputs.tokens), specs)


def check_served(specs: Iterable[CompiledSpec]) -> None:
    """Every request of `specs` is one the embedded gateway serves (`ConfigError` naming
    the specs and their first other request otherwise)."""
    others: list[str] = []
    for compiled in specs:
        for step in (s.step for s in compiled.prerequisites + compiled.test_request):
            if _elsewhere(step.method, step.path):
                others.append(f"{compiled.spec.path}: {step.method} {step.path} (step {step.id})")
                break
    if others:
        raise ConfigError(
            "\n".join(others) + f"\nloadspec: no --host given, so the run would start the "
            f"embedded gateway, which serves the communication gateway's and the clients "
            f"API's operations only: {len(others)} spec(s) above call others. Give --host "
            "with the URL of the API they were written for"
        )


def _elsewhere(method: str | None, path: str | None) -> bool:
    """A request the embedded gateway has no operation for (a path that is all placeholder,
    or a whole URL, is the spec's own business)."""
    if method is None or path is None or path.startswith(("{{", "http://", "https://")):
        return False
    return not serves(method, path)


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
    kinds = {
        step.step.token
        for compiled in specs
        for step in compiled.prerequisites + compiled.test_request
        if step.step.token is not None and step.step.method is not None
    }
    missing = sorted(m for kind in kinds if (m := tokens.missing(kind)) is not None)
    if missing:
        raise ConfigError(
            "\n".join(
                f"loadspec: {host}: a spec {m} (the development token is for the embedded "
                "gateway only)"
                for m in missing
            )
        )
