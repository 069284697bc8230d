"""A Locust process set up for a run (its `init` event): tokens, gateway, listener, hooks."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadspec.errors import ConfigError
from loadspec.inputs.credentials import Credentials
from loadspec.language.model import TokenType
from loadspec.locust import ending, live, relay
from loadspec.locust.classes import attach_checks
from loadspec.locust.growth import grow_with_the_schedule
from loadspec.locust.options import WEB_UI_OPTIONS
from loadspec.locust.pacing import Pacer
from loadspec.locust.split_stats import split_stats
from loadspec.locust.state import ProcessState
from loadspec.locust.transport import Failed
from loadspec.locust.workload import Workload
from loadspec.rows import RowKind
from loadspec.runtime.needs import scheme_names
from loadspec.webhooks import CallbackBox
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET

if TYPE_CHECKING:
    from loadspec.mock.embedded import Embedded

__all__ = ["install"]

_log = logging.getLogger("loadspec")


def install(state: ProcessState, environment: Environment, base: type[Any]) -> None:
    """Set up this process: gateway, tokens, listener, load model, the run's ending."""
    for level, note in state.notes:
        _log.log(level, "%s", note)
    settings = state.run
    split_stats(environment)
    state.examples.wire(environment)
    secret = settings.listener.secret or DEFAULT_WEBHOOK_SECRET
    state.tokens, state.gateway_tokens = _tokens(environment, state)
    _configured(environment, state)
    runner = environment.runner
    if not isinstance(runner, WorkerRunner) and not environment.host and state.gateway_tokens:
        _start_gateway(environment, state, secret)
    if not isinstance(runner, MasterRunner):
        state.box = CallbackBox.limited(settings.webhooks, state.wait_events or frozenset())
    state.listener = relay.start_listener(
        environment,
        state.box,
        secret,
        _reporter(environment),
        limits=settings.webhooks,
        settings=settings.listener,
    )
    if isinstance(runner, MasterRunner):
        state.webhook_url = state.listener.url
    # Before the workload's: a start from the web UI first takes the form's values.
    environment.events.test_start.add_listener(lambda **_: _started(environment, state, base))
    state.workload = work = Workload(environment, state)
    grow_with_the_schedule(environment, lambda: state.run.load, lambda: work.achieved()[1])
    _on_end(environment, state)
    if not isinstance(runner, WorkerRunner):
        _warn_of_specs_without_users(environment)
    live.show_in_web_ui(environment, state)
    state.installed = True


def _started(environment: Environment, state: ProcessState, base: type[Any]) -> None:
    """At each test start: the web UI's values (a worker: the master's), then their effects."""
    before = state.run
    state.settings = after = before.with_options(environment.parsed_options, WEB_UI_OPTIONS)
    # FastHttpUser reads its timeouts from the class when a user is made.
    base.network_timeout = base.connection_timeout = after.request_timeout
    specs: list[Any] = [c for c in environment.user_classes if hasattr(c, "compiled")]
    if after.validate_responses == 0:
        for user_class in specs:
            user_class.checks = {}
    elif after.validate_responses != before.validate_responses:
        try:
            for level, line in attach_checks(after, state.operations, specs):
                _log.log(level, "%s", line)
        except ConfigError as exc:
            _log.error("loadspec: %s", exc)
    live.watch_aborts(environment, state)


def _warn_of_specs_without_users(environment: Environment) -> None:
    """Once the users are spawned, a warning names the specs that got none (fewer users than
    specs: Locust gives users by weight, and -u is the number of users, never exceeded)."""
    warned: set[frozenset[str]] = set()

    def check(**_: Any) -> None:
        runner = environment.runner
        if runner is None:
            return
        counts = runner.target_user_classes_count
        specs = [u for u in environment.user_classes if hasattr(u, "compiled")]
        idle = frozenset(u.compiled.spec.path.name for u in specs if not counts.get(u.__name__))
        if not idle or idle in warned:
            return
        warned.add(idle)
        even = len({u.weight for u in specs}) == 1
        hint = f"give -u {len(specs)} or more" if even else "give more users (-u), or weights"
        _log.warning(
            "loadspec: %d of %d specs got no user and do not run: %s (%d users for %d specs, "
            "given by weight: %s to run every spec)",
            len(idle),
            len(specs),
            ", ".join(sorted(idle)),
            sum(counts.values()),
            len(specs),
            hint,
        )

    environment.events.spawning_complete.add_listener(check)


def _on_end(environment: Environment, state: ProcessState) -> None:
    events = environment.events
    ending.interrupt_in_main()
    events.test_stopping.add_listener(lambda **_: ending.on_stopping(environment, state.box))
    events.test_stop.add_listener(lambda **_: ending.report_on_stop(environment))
    events.quitting.add_listener(lambda **_: ending.on_quitting(environment, state))
    events.quit.add_listener(lambda **_: ending.on_quit(environment, state))


def _tokens(
    environment: Environment, state: ProcessState
) -> tuple[Credentials, Credentials | None]:
    from loadspec.stub.config import DEFAULT_TOKEN

    settings = state.run
    tokens = settings.credentials()
    if settings.inputs.host or (
        environment.host and not isinstance(environment.runner, WorkerRunner)
    ):
        # A host is named: its tokens only, never the gateway's development one.
        return tokens, None
    # Without LOADSPEC_TOKEN_STAFF the embedded gateway's own dev token is used, and only
    # for it: `tokens_for` checks the host against the gateway's own address. A mock of the
    # specs' contracts takes any credential: each scheme nobody gave a secret gets a stand-in.
    local = tokens.with_token(TokenType.STAFF, DEFAULT_TOKEN)
    if _embedded(environment, state).is_mock:
        from loadspec.mock.embedded import MOCK_CREDENTIAL

        specs = [c.compiled for c in environment.user_classes if hasattr(c, "compiled")]
        local = local.with_secrets(scheme_names(specs), MOCK_CREDENTIAL)
    return tokens, local


def _configured(environment: Environment, state: ProcessState) -> None:
    """The configuration's baseUrl as the host (unless --host), its rateLimit as pacing."""
    inputs = state.run.inputs
    if inputs.host and not environment.host:
        environment.host = inputs.host
        _log.info("loadspec: host %s, the baseUrl of the api-validation configuration", inputs.host)
    if inputs.rate_limit is not None:
        state.pacer = Pacer(inputs.rate_limit)
        _log.info("loadspec: the configuration's rateLimit paces this process: %r", state.pacer)


def _start_gateway(environment: Environment, state: ProcessState, secret: str) -> None:
    """The embedded gateway, or a mock of the specs' contracts when it does not serve them."""
    from loadspec.mock.embedded import start_embedded
    from loadspec.stub.config import StubConfig

    assert state.gateway_tokens is not None
    staff = state.gateway_tokens.token(TokenType.STAFF)
    assert staff is not None
    choice = _embedded(environment, state)
    server = StubConfig(tokens=(staff,), webhook_secret=secret)
    gateway = state.gateway = start_embedded(choice, server).start()
    environment.host = state.gateway_url = gateway.url
    if choice.is_mock:
        state.mock_target = choice.describe(gateway.url)
        _log.warning("loadspec: %s (pid %s)", choice.line(gateway.url), gateway.pid)
        return
    _log.info(
        "loadspec: no --host given: started the embedded gateway at %s (pid %s); "
        "it stops when Locust quits",
        gateway.url,
        gateway.pid,
    )


def _embedded(environment: Environment, state: ProcessState) -> Embedded:
    """Without a host: the embedded gateway, or a mock of the specs' contracts (every process
    of a run decides the same from the same specs)."""
    from loadspec.mock.embedded import choose_embedded, spec_contracts, spec_requests

    specs = [c.compiled.spec for c in environment.user_classes if hasattr(c, "compiled")]
    run = state.run
    return choose_embedded(spec_requests(specs), spec_contracts(specs, run.root, run.files))


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
