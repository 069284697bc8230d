"""One Locust process's part of a run, in one typed object the locustfile creates.

`spec_users` makes a `ProcessState` while the locustfile imports (settings, notes, the wait
events of the specs it compiled) and hands it to every hook and user class; Locust's `init`
event then `install`s the rest (tokens, the embedded gateway, the webhook listener). Nothing
is stored on Locust's objects or in module globals.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import gevent
from locust.env import Environment

from loadspec.config.project import Project
from loadspec.config.settings import RunSettings
from loadspec.inputs.credentials import Credentials
from loadspec.language.operations import SpecOperations
from loadspec.locust.examples import FailureExamples
from loadspec.webhooks import CallbackBox, Listener

if TYPE_CHECKING:
    from loadspec.locust.pacing import Pacer
    from loadspec.locust.workload import Workload
    from loadspec.stub import StubServer
    from loadspec.verdicts.verdict import RunVerdict

__all__ = ["ProcessState"]

_log = logging.getLogger("loadspec")


@dataclass(slots=True)
class ProcessState:
    """What every user and hook of one Locust process shares.

    Attributes:
        specs: the specs the locustfile names itself (they win over --specs).
        project: the `[tool.loadspec]` this process reads (found once, at import).
        settings: the run's settings (the web UI's start form may change some at each start).
        notes: lines to log once Locust has set up logging: (level, text).
        wait_events: event types the loaded specs wait for.
        operations: the contract operation of each step of the run's specs.
        tokens: credentials by type, for any host but the embedded gateway.
        gateway_tokens: the same with the embedded gateway's development token (None when a
            host was configured, so it can never be sent elsewhere).
        box: where callbacks meet waits (None in a master, which runs no users).
        listener: the webhook listener (a master's relays to the workers).
        gateway: the embedded gateway, when this process started it.
        gateway_url: the embedded gateway's URL (a worker's comes with its share).
        mock_target: how the summary names the mock started instead of the gateway (None:
            no mock), so that a run against a mock never reads like one against the API.
        webhook_url: the public listener's URL the master announces (with each share).
        pacer: paces every request of this process (a configuration's rateLimit), if set.
        workload: the iteration budget, arrival schedule and data rows of this process.
        verdict: the run's verdict, once decided (a master's or a lone process's).
        aborted: the `:abort` threshold that stopped the run, if one did.
        watching: whether this process watches `:abort` thresholds already.
        crashes_logged: (spec, error type) of crashed iterations already logged in full.
        examples: the first real message of each failure row (a master's: its workers').
        installed: whether `install` has run (a worker's users may start before).
    """

    specs: tuple[Path, ...] = ()
    project: Project | None = None
    settings: RunSettings | None = None
    notes: list[tuple[int, str]] = field(default_factory=list)
    wait_events: frozenset[str | None] = frozenset()
    operations: SpecOperations = field(default_factory=SpecOperations)
    tokens: Credentials = field(default_factory=Credentials)
    gateway_tokens: Credentials | None = None
    box: CallbackBox | None = None
    listener: Listener | None = None
    gateway: StubServer | None = None
    gateway_url: str | None = None
    mock_target: str | None = None
    webhook_url: str | None = None
    pacer: Pacer | None = None
    workload: Workload | None = None
    verdict: RunVerdict | None = None
    aborted: str | None = None
    watching: bool = False
    crashes_logged: set[tuple[str, str]] = field(default_factory=set)
    examples: FailureExamples = field(default_factory=FailureExamples)
    installed: bool = False

    @property
    def run(self) -> RunSettings:
        """The run's settings (set while the locustfile imports)."""
        if self.settings is None:
            raise RuntimeError("loadspec: the locustfile has not called spec_users()")
        return self.settings

    @property
    def work(self) -> Workload:
        """This process's workload (set at Locust's init event)."""
        if self.workload is None:
            raise RuntimeError("loadspec: this process has no workload yet")
        return self.workload

    def wait_installed(self, timeout: float = 30.0) -> None:
        """Until `install` has run.

        A worker can be told to spawn users while its own init event is still running (its
        runner talks to the master from the moment it exists), so a user may wait here.
        """
        deadline = time.monotonic() + timeout
        while not self.installed:
            if time.monotonic() > deadline:
                raise RuntimeError(f"loadspec: this process was not set up within {timeout:g} s")
            gevent.sleep(0.05)

    def tokens_for(self, environment: Environment) -> Credentials:
        """The credentials for the host users send to: the development token only for the
        embedded gateway's own address."""
        gateway = self.gateway_url
        if self.gateway_tokens is not None and gateway and environment.host == gateway:
            return self.gateway_tokens
        return self.tokens

    def public_webhook_url(self) -> str | None:
        """The URL a user offers as {{webhook_url}}: its own process's public one, else the
        one the master announced, else its own listener's."""
        listener = self.listener
        if listener is None:
            return None
        return listener.public_url or self.webhook_url or listener.url

    def stop(self) -> None:
        """Stop the embedded gateway (no more callbacks), then the listener."""
        if self.gateway is not None:
            self.gateway.stop()
            _log.info("loadspec: embedded %s stopped", "mock" if self.mock_target else "gateway")
            self.gateway = None
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
