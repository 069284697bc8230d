"""Per Locust process: settings, tokens, the webhook listener and the embedded gateway."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.exception import CatchResponseError
from locust.runners import MasterRunner, WorkerRunner

from loadspec.inputs.credentials import Credentials
from loadspec.language.model import TokenType
from loadspec.locust.junit import load_suite
from loadspec.locust.options import LoadSettings
from loadspec.locust.thresholds import evaluate
from loadspec.reports.junit import write_junit
from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET, SECRET_ENV

__all__ = ["CALLBACK", "Harness", "harness_of", "install"]

CALLBACK = "CALLBACK"
_log = logging.getLogger("loadspec")


@dataclass(slots=True)
class Harness:
    """What every user of one Locust process shares.

    Attributes:
        settings: the run's configuration.
        tokens: credentials by type.
        box: where callbacks meet waits (None in a master, which runs no users).
        listener: the webhook listener (None in a master).
        gateway: the embedded gateway, when this process started it.
        wait_events: event types the loaded specs wait for.
    """

    settings: LoadSettings
    tokens: Credentials
    box: CallbackBox | None = None
    listener: Listener | None = None
    gateway: Any = None
    wait_events: frozenset[str | None] = field(default_factory=frozenset)

    @property
    def webhook_url(self) -> str | None:
        """The listener's URL, offered to specs as {{webhook_url}}."""
        return None if self.listener is None else self.listener.url

    def stop(self) -> None:
        """Stop the embedded gateway (no more callbacks), then the listener."""
        if self.gateway is not None:
            self.gateway.stop()
            _log.info("loadspec: embedded gateway stopped")
            self.gateway = None
        if self.listener is not None:
            self.listener.stop()
            self.listener = None


def harness_of(environment: Environment, timeout: float = 30.0) -> Harness:
    """The harness `install` attached to this environment, once it is ready.

    A worker can be told to spawn users while its own init event is still running (its
    runner talks to the master from the moment it exists), so a user may have to wait here.
    """
    deadline = time.monotonic() + timeout
    while (harness := getattr(environment, "loadspec_harness", None)) is None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"loadspec: this process was not set up within {timeout:g} s")
        gevent.sleep(0.05)
    return harness  # type: ignore[no-any-return]


def install(
    environment: Environment, specs: tuple[Path, ...], wait_events: frozenset[str | None]
) -> Harness:
    """Set up this process for a run (Locust's init event): gateway, tokens, listener."""
    settings = LoadSettings.from_options(environment.parsed_options, specs)
    secret = os.environ.get(SECRET_ENV, DEFAULT_WEBHOOK_SECRET)
    harness = Harness(settings, _tokens(), wait_events=wait_events)
    runner = environment.runner
    if not isinstance(runner, WorkerRunner) and not environment.host:
        harness.gateway = _start_gateway(environment, harness.tokens, secret)
    if not isinstance(runner, MasterRunner):
        harness.box = CallbackBox(events=wait_events or frozenset())
        harness.listener = Listener(harness.box, secret, _reporter(environment)).start()
    environment.loadspec_harness = harness  # type: ignore[attr-defined]
    if not isinstance(runner, WorkerRunner):
        environment.events.quitting.add_listener(lambda **_: _judge_run(environment, settings))
    environment.events.quitting.add_listener(lambda **_: harness.stop())
    return harness


def _judge_run(environment: Environment, settings: LoadSettings) -> None:
    """At the end: thresholds decide the exit code; the JUnit report is written."""
    outcomes = evaluate(settings.thresholds, environment.stats)
    for outcome in outcomes:
        (_log.info if outcome.passed else _log.error)("loadspec: %s", outcome)
    if not all(outcome.passed for outcome in outcomes):
        environment.process_exit_code = 1
    if settings.junit is not None:
        write_junit(settings.junit, load_suite(outcomes, environment.stats))
        _log.info("loadspec: JUnit report written to %s", settings.junit)


def _tokens() -> Credentials:
    from loadspec.stub.config import DEFAULT_TOKEN

    # Without LOADSPEC_TOKEN_STAFF the embedded gateway's own dev token is used, in every
    # process alike: a worker cannot know whether its master started the gateway.
    return Credentials.from_env(staff=DEFAULT_TOKEN)


def _start_gateway(environment: Environment, tokens: Credentials, secret: str) -> Any:
    from loadspec.stub import StubServer

    staff = tokens.tokens[TokenType.STAFF]
    gateway = StubServer(tokens=(staff,), secret=secret).start()
    environment.host = gateway.url
    _log.info(
        "loadspec: no --host given: started the embedded gateway at %s (pid %s); "
        "it stops when Locust quits",
        gateway.url,
        gateway.pid,
    )
    return gateway


def _reporter(environment: Environment) -> Any:
    def report(name: str, size: int, failure: str | None) -> None:
        environment.events.request.fire(
            request_type=CALLBACK,
            name=name,
            response_time=0,
            response_length=size,
            exception=None if failure is None else CatchResponseError(failure),
            context={},
        )

    return report
