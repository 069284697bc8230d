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
from locust.runners import MasterRunner, WorkerRunner

from loadspec.inputs.credentials import Credentials
from loadspec.language.model import TokenType
from loadspec.locust import ending, live, relay
from loadspec.locust.options import LoadSettings
from loadspec.locust.pacing import Pacer
from loadspec.locust.split_stats import split_stats
from loadspec.locust.transport import Failed
from loadspec.rows import RowKind
from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET, SECRET_ENV

__all__ = ["Harness", "harness_of", "install"]

GATEWAY_OPTION = "loadspec_embedded_gateway"
_log = logging.getLogger("loadspec")


@dataclass(slots=True)
class Harness:
    """What every user of one Locust process shares.

    Attributes:
        settings: the run's configuration.
        tokens: credentials by type, for any host but the embedded gateway.
        gateway_tokens: the same with the embedded gateway's development token (None when a
            host was configured, so it can never be sent elsewhere).
        box: where callbacks meet waits (None in a master, which runs no users).
        listener: the webhook listener (a master's relays to the workers).
        gateway: the embedded gateway, when this process started it.
        wait_events: event types the loaded specs wait for.
        pacer: paces every request of this process (a configuration's rateLimit), if set.
        workload: the load model's iteration budget, arrival schedule and data rows
            (`locust.workload.Workload`, set by the users module).
    """

    settings: LoadSettings
    tokens: Credentials
    gateway_tokens: Credentials | None = None
    box: CallbackBox | None = None
    listener: Listener | None = None
    gateway: Any = None
    wait_events: frozenset[str | None] = field(default_factory=frozenset)
    pacer: Pacer | None = None
    workload: Any = None

    def tokens_for(self, environment: Environment) -> Credentials:
        """The credentials for the host users send to: the development token only for the
        embedded gateway (a worker learns its URL with the master's spawn message)."""
        gateway = getattr(environment.parsed_options, GATEWAY_OPTION, None)
        if self.gateway_tokens is not None and gateway and environment.host == gateway:
            return self.gateway_tokens
        return self.tokens

    def webhook_url_for(self, environment: Environment) -> str | None:
        """The public listener's URL, offered to specs as {{webhook_url}}."""
        return relay.advertised_url(environment, self.listener)

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
    split_stats(environment)
    secret = os.environ.get(SECRET_ENV, DEFAULT_WEBHOOK_SECRET)
    harness = Harness(settings, *_tokens(environment, settings), wait_events=wait_events)
    _configured(environment, settings, harness)
    runner = environment.runner
    if not isinstance(runner, WorkerRunner) and not environment.host and harness.gateway_tokens:
        harness.gateway = _start_gateway(environment, harness.gateway_tokens, secret)
    limits = settings.webhooks
    if not isinstance(runner, MasterRunner):
        harness.box = CallbackBox.limited(limits, wait_events or frozenset())
    harness.listener = relay.start_listener(
        environment,
        harness.box,
        secret,
        _reporter(environment),
        limits=limits,
        settings=settings.listener,
    )
    environment.loadspec_harness = harness  # type: ignore[attr-defined]
    _on_end(environment, settings, harness)
    live.show_in_web_ui(environment, settings)
    environment.events.test_start.add_listener(lambda **_: live.watch_aborts(environment, settings))
    return harness


def _on_end(environment: Environment, settings: LoadSettings, harness: Harness) -> None:
    events = environment.events
    ending.interrupt_in_main()
    events.test_stopping.add_listener(lambda **_: ending.on_stopping(environment, harness.box))
    events.test_stop.add_listener(lambda **_: ending.report_on_stop(environment))
    events.quitting.add_listener(
        lambda **_: ending.on_quitting(environment, settings, harness.stop)
    )
    events.quit.add_listener(lambda **_: ending.on_quit(environment))


def _tokens(
    environment: Environment, settings: LoadSettings
) -> tuple[Credentials, Credentials | None]:
    from loadspec.stub.config import DEFAULT_TOKEN

    inputs = settings.inputs
    tokens = Credentials.configured(inputs.tokens)
    if inputs.host or (environment.host and not isinstance(environment.runner, WorkerRunner)):
        # A host is named: its tokens only, never the gateway's development one.
        return tokens, None
    # Without LOADSPEC_TOKEN_STAFF the embedded gateway's own dev token is used, and only
    # for it: `tokens_for` checks the host against the gateway the master announced.
    return tokens, Credentials.configured({TokenType.STAFF: DEFAULT_TOKEN, **inputs.tokens})


def _configured(environment: Environment, settings: LoadSettings, harness: Harness) -> None:
    """The configuration's baseUrl as the host (unless --host), its rateLimit as pacing."""
    inputs = settings.inputs
    if inputs.host and not environment.host:
        environment.host = inputs.host
        _log.info("loadspec: host %s, the baseUrl of the api-validation configuration", inputs.host)
    if inputs.rate_limit is not None:
        harness.pacer = Pacer(inputs.rate_limit)
        _log.info("loadspec: the configuration's rateLimit paces this process: %r", harness.pacer)


def _start_gateway(environment: Environment, tokens: Credentials, secret: str) -> Any:
    from loadspec.stub import StubServer

    staff = tokens.tokens[TokenType.STAFF]
    gateway = StubServer(tokens=(staff,), secret=secret).start()
    environment.host = gateway.url
    # Sent to the workers with every spawn message (Locust passes custom options on).
    setattr(environment.parsed_options, GATEWAY_OPTION, gateway.url)
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
            request_type=RowKind.CALLBACK,
            name=name,
            response_time=0,
            response_length=size,
            exception=None if failure is None else Failed(failure),
            context={},
        )

    return report
