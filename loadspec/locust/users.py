"""Specs compiled into Locust user classes: one class per spec, one task per iteration."""

from __future__ import annotations

import functools
import logging
import traceback
from collections import ChainMap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import constant, events
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import (
    InterruptTaskSet,
    RescheduleTask,
    RescheduleTaskImmediately,
    StopUser,
)

from loadspec.config.project import find_project
from loadspec.config.settings import RunSettings, spec_starts
from loadspec.config.table import Command
from loadspec.errors import ConfigError, LoadspecError
from loadspec.inputs.masking import masker
from loadspec.inputs.targets import Origins
from loadspec.locust.classes import selected, user_classes
from loadspec.locust.contract_checks import Check
from loadspec.locust.options import add_arguments, early_options
from loadspec.locust.preflight import check_outputs, check_targets, refuse
from loadspec.locust.shape import profile_shape
from loadspec.locust.startup import install
from loadspec.locust.state import ProcessState
from loadspec.locust.transport import Failed, FastHttpTransport
from loadspec.rows import RowKind
from loadspec.runtime.compiled import CompiledSpec
from loadspec.runtime.engine import SpecRunner

__all__ = ["SpecUser", "prepare_client", "spec_users"]

_log = logging.getLogger("loadspec")


class SpecUser(FastHttpUser):
    """A user running one compiled spec; concrete classes are made by `spec_users`."""

    abstract = True
    wait_time = constant(0)
    # A 3xx is the step's response (a spec can expect it): never followed to another host.
    max_redirects = 0
    state: ClassVar[ProcessState | None] = None
    compiled: ClassVar[CompiledSpec]
    checks: ClassVar[Mapping[str, Check]] = {}
    runner_: SpecRunner
    row_: dict[str, Any]
    first_: bool

    def on_start(self) -> None:
        """Build this user's runner (prerequisites run at its first iteration)."""
        state = _state()
        state.wait_installed()
        state.work.wait_for_share()
        settings = state.run
        prepare_client(self)
        self.row_, self.first_ = {}, True
        tokens = state.tokens_for(self.environment)
        variables = settings.variables  # read only, shared by every user; a data row first
        self.runner_ = SpecRunner(
            spec=self.compiled,
            transport=FastHttpTransport(
                self,
                settings.fallback_host,
                pacer=state.pacer,
                mask=masker(tokens.secrets),
                max_body=settings.max_body_bytes,
            ),
            tokens=tokens,
            variables=ChainMap(self.row_, dict(variables))
            if self.compiled.spec.data
            else variables,
            callbacks=state.box,
            webhook_url=state.public_webhook_url(),
            contract_checks=self.checks,
            origins=Origins.of((self.environment.host, settings.fallback_host), settings.allowed),
        )


_EVERY_STATUS = frozenset(range(100, 600))


def prepare_client(user: FastHttpUser) -> None:
    """A user's client as specs need it: no cookie jar, every status the spec's to judge."""
    # Specs keep no cookies (nor does the source system's client): a request sends the
    # cookies its headers name. Locust's cookie jar cost about 7% of a request's CPU.
    user.client.client.cookiejar = None
    # Every status is a reply the spec judges: geventhttpclient's own handling of an error
    # status decoded the body as UTF-8 and crashed the iteration on any other bytes.
    user.client.client.valid_response_codes = _EVERY_STATUS  # type: ignore[misc]


def _state() -> ProcessState:
    state = SpecUser.state
    if state is None:
        raise RuntimeError("loadspec: the locustfile has not called spec_users()")
    return state


def _iteration(user: SpecUser) -> None:
    work = _state().work
    first, user.first_ = user.first_, False
    if not work.begin(user.compiled.spec.data, user.row_, first):
        # This process's iterations or unique rows are used up: idle until the run ends (a
        # stopped user's greenlet makes Locust log errors when it stops the others).
        gevent.sleep(0.5)
        return
    made = False
    try:
        user.runner_.iteration()
        made = True
    except _LOCUST_FLOW:
        raise
    except Exception as exc:
        made = True
        _crashed(user, exc)
    finally:
        # An iteration Locust cut short (a user stopped to move it to another worker) gives
        # its ticket and its row back: another user makes it.
        work.end(user.row_, made)


_LOCUST_FLOW = (StopUser, InterruptTaskSet, RescheduleTask, RescheduleTaskImmediately)
"""How Locust's own tasks steer a user: exceptions that are no crash."""


def _crashed(user: SpecUser, exc: Exception) -> None:
    """An iteration that raised is a failure of its spec's CRASH row, logged once by kind."""
    transport = user.runner_.transport
    mask = transport.mask if isinstance(transport, FastHttpTransport) else str
    message = mask(" ".join(f"{type(exc).__name__}: {exc}".split())[:300])
    name = user.compiled.spec.path.stem
    user.environment.events.request.fire(
        request_type=RowKind.CRASH,
        name=name,
        response_time=0,
        response_length=0,
        exception=Failed(message),
        context={},
    )
    seen = _state().crashes_logged
    if (name, type(exc).__name__) not in seen:
        seen.add((name, type(exc).__name__))
        trace = "".join(traceback.format_exception(exc))
        _log.error(
            "loadspec: an iteration of %s crashed (counted as a failure):\n%s", name, mask(trace)
        )


def spec_users(paths: Iterable[Path | str] | None = None) -> dict[str, type[Any]]:
    """User classes for the specs under `paths` (default: --specs / LOADSPEC_SPECS).

    Call it once, from a locustfile, and put the result in its globals. A configuration
    problem (an invalid spec, a bad option or threshold, a `[tool.loadspec]` typo) exits 2
    before any request; with --allow-invalid invalid specs are reported (file:line) and left
    out. Skipped specs run only with --include-skipped.
    """
    given = tuple(Path(p) for p in paths) if paths is not None else ()
    try:
        if SpecUser.state is not None:
            raise ConfigError("spec_users() is called once per Locust process (one locustfile)")
        state = SpecUser.state = ProcessState(specs=given)
        _register_hooks(state)
        # Locust imports the locustfile before it parses its options, and which classes exist
        # depends on them: read them now with Locust's own parser, twice: the first finds the
        # specs, hence the project, whose [tool.loadspec] then gives the options' defaults.
        options = early_options()
        state.project = find_project(*spec_starts(Command.LOCUST, options, given))
        options = early_options()
        state.settings = RunSettings.build(
            Command.LOCUST, options, project=state.project, specs=given
        )
        if (line := state.project.elsewhere()) is not None:
            state.notes.append((logging.INFO, line))
        check_outputs(options)
        classes = user_classes(state, SpecUser, _iteration)
        check_targets(options, state.run, [c.compiled for c in classes.values()])
    except LoadspecError as exc:
        refuse(str(exc))
    # FastHttpUser reads its timeouts from the class when a user is made.
    SpecUser.network_timeout = SpecUser.connection_timeout = state.run.request_timeout
    return {**classes, **profile_shape(state.run.load)}


def _register_hooks(state: ProcessState) -> None:
    events.init_command_line_parser.add_listener(functools.partial(add_arguments, state))

    @events.init.add_listener
    def _on_init(environment: Any, **_: Any) -> None:
        # Locust still spawns classes that --tags/--exclude-tags leave without tasks (and
        # they fail at once): a spec whose tags are not selected is taken out of the run.
        chosen = [u for u in environment.user_classes if selected(u, environment.parsed_options)]
        environment.user_classes[:] = chosen
        install(state, environment, SpecUser)
