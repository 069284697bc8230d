"""Each planned spec run once, through the load run's engine, transport, tokens and listener.

The checks run in this process on gevent: up to `--concurrency` specs at a time, each with
its own `SpecRunner` and Locust `FastHttpSession` (the transport a load run sends with, so
redirects, body caps, resets and timeouts count exactly as they do under load), pacing by
the configuration's rateLimit, waits answered by one webhook listener. Each request's reply
is then reviewed against its operation's contract (every violation, not the first), and
judged with `outcome.judge_reply`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gevent.pool import Pool
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

from loadspec.check.outcome import (
    Reason,
    SpecCheck,
    Status,
    StepCheck,
    as_reason,
    judge_reply,
    worst,
)
from loadspec.check.plan import CheckPlan, Compiled, PlannedSpec, verdict_of
from loadspec.config.settings import RunSettings
from loadspec.contract.conformance import Finding, ResponseChecker
from loadspec.inputs.credentials import Credentials
from loadspec.inputs.masking import Masker, masker
from loadspec.inputs.targets import Origins, preflight_hosts
from loadspec.language.model import TokenType
from loadspec.locust.pacing import Pacer
from loadspec.locust.preflight import check_served, check_webhook_secret
from loadspec.locust.transport import FastHttpTransport
from loadspec.locust.users import prepare_client
from loadspec.mock.embedded import (
    MOCK_CREDENTIAL,
    Embedded,
    choose_embedded,
    spec_contracts,
    spec_requests,
    start_embedded,
)
from loadspec.rows import RowKind
from loadspec.runtime.calls import Call, Failure, Reply
from loadspec.runtime.compiled import CompiledSpec
from loadspec.runtime.engine import Callbacks, Judge, SpecRunner
from loadspec.runtime.needs import scheme_names
from loadspec.stub.config import StubConfig
from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET
from loadspec.webhooks.signing import Verifier

__all__ = ["CheckTarget", "check_all", "run_checks"]

Progress = Callable[[int, int, SpecCheck], None]
"""Told of each spec checked: (done, total, its outcome)."""

_SENT_CHARS = 300


@dataclass(frozen=True, slots=True)
class CheckTarget:
    """Where the checks send, with what, and where callbacks come back.

    Attributes:
        url: the API's base URL (a path prefix kept).
        credentials: the tokens the specs send.
        callbacks: the listener's box (None: no listener, waits fail).
        webhook_url: what {{webhook_url}} renders.
    """

    url: str
    credentials: Credentials = field(repr=False)
    callbacks: Callbacks | None = None
    webhook_url: str | None = None


@dataclass(frozen=True, slots=True)
class CheckRun:
    """What a check runs: the plan, the specs compiled, the settings and credentials."""

    plan: CheckPlan
    compiled: Compiled
    settings: RunSettings
    credentials: Credentials = field(repr=False)

    @property
    def running(self) -> list[CompiledSpec]:
        """The compiled specs whose requests are sent."""
        return [self.compiled.specs[p.spec.path] for p in self.plan.to_run]


def check_all(
    run: CheckRun, host: str | None, *, progress: Progress, say: Callable[[str], None]
) -> tuple[list[SpecCheck], str]:
    """The plan run at `host` (None: the embedded gateway, started for it), with a webhook
    listener when a spec waits for callbacks; the outcomes and where they ran."""
    settings, credentials, specs = run.settings, run.credentials, run.running
    with contextlib.ExitStack() as stack:
        url, where, secret, credentials = stack.enter_context(
            _target(settings, host, credentials, specs, say)
        )
        box, webhook_url = stack.enter_context(_listener(settings, specs, secret))
        target = CheckTarget(url, credentials, box, webhook_url)
        say(f"checking {len(run.plan.to_run)} of {len(run.plan.specs)} spec(s) at {where}")
        return run_checks(run, target, progress), where


@contextlib.contextmanager
def _target(
    settings: RunSettings,
    host: str | None,
    credentials: Credentials,
    specs: list[CompiledSpec],
    say: Callable[[str], None],
) -> Iterator[tuple[str, str, str, Credentials]]:
    """The API's URL, how to name it, the secret its callbacks are signed with and the
    credentials to send: a host named (checked as a load run checks it), else the embedded
    gateway or a mock of the specs' contracts, started (a mock gets a stand-in secret for
    each scheme nobody gave one for)."""
    secret = settings.listener.secret or DEFAULT_WEBHOOK_SECRET
    if host:
        targets = [("--host", host)]
        if settings.fallback_host:
            targets.append(("--fallback-host", settings.fallback_host))
        preflight_hosts(targets, settings.allowed)
        check_webhook_secret(host, settings, specs)
        yield host, host, secret, credentials
        return
    if not specs:
        idle = "the embedded gateway (not started: nothing to run)"
        yield "http://127.0.0.1", idle, secret, credentials
        return
    # Specs for another API without a contract to mock: exit 2 naming them, never 404s.
    check_served(specs, settings.root, settings.files)
    token = credentials.token(TokenType.STAFF) or ""
    choice = _embedded(settings, specs)
    server = start_embedded(choice, StubConfig(tokens=(token,), webhook_secret=secret))
    with server:
        if choice.is_mock:
            say(f"loadspec: {choice.line(server.url)}")
            credentials = credentials.with_secrets(scheme_names(specs), MOCK_CREDENTIAL)
        yield server.url, choice.describe(server.url), secret, credentials


def _embedded(settings: RunSettings, specs: list[CompiledSpec]) -> Embedded:
    """The embedded gateway, or a mock of the specs' contracts when it does not serve them."""
    plain = [c.spec for c in specs]
    contracts = spec_contracts(plain, settings.root, settings.files)
    return choose_embedded(spec_requests(plain), contracts)


@contextlib.contextmanager
def _listener(
    settings: RunSettings, specs: list[CompiledSpec], secret: str
) -> Iterator[tuple[CallbackBox | None, str | None]]:
    """A webhook listener for the specs that wait for callbacks (none when none does)."""
    events = frozenset(e for spec in specs for e in spec.wait_events)
    if not events:
        yield None, None
        return
    box = CallbackBox.limited(settings.webhooks, events)
    ears = settings.listener
    listener = Listener(
        box,
        secret,
        limits=settings.webhooks,
        verifier=Verifier(ears.scheme, secret, ears.header, settings.webhooks.max_age),
        bind=(ears.host, ears.port),
        public_url=ears.url,
    ).start()
    try:
        yield box, listener.url
    finally:
        listener.stop()


def run_checks(run: CheckRun, target: CheckTarget, progress: Progress) -> list[SpecCheck]:
    """Every spec of the plan checked (the ones with a verdict already keep it), in order."""
    plan, settings, compiled = run.plan, run.settings, run.compiled.specs
    running = plan.to_run
    bases = settings.inputs.ref_bases
    checkers = {
        path: {key: ResponseChecker.for_operation(op, bases) for key, op in steps.items()}
        for path, steps in run.compiled.operations.steps.items()
    }
    pacer = Pacer(settings.inputs.rate_limit) if settings.inputs.rate_limit else None
    environment = Environment()
    user_class = type(
        "CheckUser",
        (_CheckUser,),
        {
            "host": target.url,
            "network_timeout": settings.request_timeout,
            "connection_timeout": settings.request_timeout,
        },
    )
    done: dict[Path, SpecCheck] = {}
    total = len(plan.specs)

    def check(planned: PlannedSpec) -> None:
        spec = planned.spec
        user = user_class(environment)
        prepare_client(user)
        try:
            outcome = _Check(
                compiled[spec.path],
                checkers=checkers.get(spec.path, {}),
                settings=settings,
                target=target,
                user=user,
                pacer=pacer,
            ).run()
        except Exception as exc:  # a defect of ours: that spec's outcome, never the run's end
            mask = masker(target.credentials.secrets)
            text = mask(" ".join(f"{type(exc).__name__}: {exc}".split())[:300])
            outcome = verdict_of(planned.spec, Status.FAIL, Reason.CRASHED, text)
        done[spec.path] = outcome
        progress(len(done), total, outcome)

    for planned in plan.specs:
        if planned.verdict is not None:
            done[planned.spec.path if planned.result.spec else planned.result.path] = (
                planned.verdict
            )
            progress(len(done), total, planned.verdict)
    pool = Pool(settings["concurrency"] or 1)
    for planned in running:
        pool.spawn(check, planned)
    pool.join()
    return [done[_path_of(p)] for p in plan.specs]


def _path_of(planned: PlannedSpec) -> Path:
    return planned.result.spec.path if planned.result.spec is not None else planned.result.path


class _CheckUser(FastHttpUser):
    """A FastHttpSession's owner for one spec's check: never run by Locust."""

    abstract = True
    max_redirects = 0  # a 3xx is the step's answer, as in a load run


@dataclass(slots=True)
class _Exchange:
    key: str
    call: Call | None
    reply: Reply | None
    failure: str | None
    kind: str = ""
    elapsed_ms: float = 0.0


class _Recorder(FastHttpTransport):
    """The load run's transport, keeping every exchange and record for the check to judge."""

    def __init__(
        self, user: FastHttpUser, settings: RunSettings, pacer: Pacer | None, mask: Masker
    ) -> None:
        super().__init__(user, settings.fallback_host, pacer, mask, settings.max_body_bytes)
        self.seen: list[_Exchange] = []
        self.waits: dict[str, str] = {}  # a wait's row name (its step id) -> the step's key

    def exchange(self, call: Call, judge: Judge) -> Reply:
        failure: list[str | None] = [None]

        def judged(reply: Reply) -> str | None:
            failure[0] = judge(reply)
            return failure[0]

        reply = super().exchange(call, judged)
        self.seen.append(_Exchange(call.step, call, reply, failure[0]))
        return reply

    def record(self, kind: str, name: str, elapsed_ms: float, failure: str | None) -> None:
        if kind == RowKind.WAIT or isinstance(failure, Failure):
            key = failure.key if isinstance(failure, Failure) else self.waits.get(name, name)
            self.seen.append(_Exchange(key, None, None, failure, f"{kind} {name}", elapsed_ms))
        super().record(kind, name, elapsed_ms, failure)


class _Check:
    """One spec's check: run it once, then judge every step it ran."""

    def __init__(
        self,
        compiled: CompiledSpec,
        *,
        checkers: Mapping[str, ResponseChecker],
        settings: RunSettings,
        target: CheckTarget,
        user: FastHttpUser,
        pacer: Pacer | None,
    ) -> None:
        self.compiled = compiled
        self.checkers = checkers
        self.mask = masker(target.credentials.secrets)
        self.transport = _Recorder(user, settings, pacer, self.mask)
        self.runner = SpecRunner(
            spec=compiled,
            transport=self.transport,
            tokens=target.credentials,
            variables=settings.variables,
            callbacks=target.callbacks,
            webhook_url=target.webhook_url,
            origins=Origins.of((target.url, settings.fallback_host), settings.allowed),
        )
        self.phases = {s.key: "prerequisites" for s in compiled.prerequisites}
        self.phases.update({s.key: "test" for s in compiled.test_request})
        self.steps = {s.key: s.step for s in compiled.prerequisites + compiled.test_request}
        self.transport.waits = {
            step.id: key
            for key, step in reversed(self.steps.items())
            if step.wait is not None or step.poll is not None
        }

    def run(self) -> SpecCheck:
        started = time.monotonic()
        self.runner.once()
        steps = tuple(self._judged())
        spec = self.compiled.spec
        status = worst(s.outcome for s in steps)
        deciding = next((s for s in steps if s.outcome is status and s.reason), None)
        message = ""
        if deciding is not None:
            where = "prerequisite " if deciding.phase == "prerequisites" else ""
            message = f"{where}{deciding.message}"
        reason = deciding.reason if deciding else None
        took = (time.monotonic() - started) * 1000
        return verdict_of(spec, status, reason, message, steps=steps, duration_ms=took)

    def _judged(self) -> Iterator[StepCheck]:
        for seen in self.transport.seen:
            step = self.steps.get(seen.key)
            step_id = step.id if step else seen.key
            phase = self.phases.get(seen.key, "test")
            if seen.call is None or seen.reply is None:
                yield self._unsent(seen, step_id, phase)
                continue
            yield self._reply(seen, seen.call, seen.reply, step_id, phase)

    def _unsent(self, seen: _Exchange, step_id: str, phase: str) -> StepCheck:
        failure = seen.failure
        if failure is None:
            return StepCheck(step_id, phase, seen.kind, elapsed_ms=seen.elapsed_ms)
        code = failure.code if isinstance(failure, Failure) else None
        reason = as_reason(code, Reason.RENDER_ERROR)
        return StepCheck(
            step_id,
            phase,
            seen.kind,
            0,
            Status.FAIL,
            reason,
            self.mask(failure),
            elapsed_ms=seen.elapsed_ms,
        )

    def _reply(
        self, seen: _Exchange, call: Call, reply: Reply, step_id: str, phase: str
    ) -> StepCheck:
        step = self.steps.get(seen.key)
        expected = step.expect.status if step is not None else (reply.status,)
        checker = self.checkers.get(seen.key)
        findings: list[Finding] | None = None
        if checker is not None and reply.status:
            findings = checker.review(reply.status, reply.content_type, reply.body, self.mask)
        code = seen.failure.code if isinstance(seen.failure, Failure) else None
        outcome, reason = judge_reply(reply.status, expected, code, findings)
        message = self._message(step_id, seen.failure, reason, findings)
        failing = outcome is not Status.PASS
        return StepCheck(
            step_id,
            phase,
            f"{call.method} {self.mask(call.path)}",
            reply.status,
            outcome,
            reason,
            message,
            tuple(findings or ()),
            reply.elapsed_ms,
            self._sent(call) if failing else "",
            excerpt_of(reply, self.mask) if failing else "",
        )

    def _message(
        self,
        step_id: str,
        failure: str | None,
        reason: Reason | None,
        findings: list[Finding] | None,
    ) -> str:
        if failure is not None and reason not in _CONTRACT_REASONS:
            return self.mask(failure)
        for finding in findings or ():
            if finding.code == reason:
                where = f" at {finding.where}" if finding.where else ""
                more = len(findings or ()) - 1
                also = f" (and {more} more)" if more > 0 else ""
                return f"{step_id}: contract{where}: {finding.message}{also}"
        return self.mask(failure) if failure is not None else ""

    def _sent(self, call: Call) -> str:
        body = call.json if call.json is not None else call.form
        text = f"{call.method} {call.path}"
        if call.params:
            text += f" params={dict(call.params)}"
        if body is not None:
            text += f" body={body}"
        text = self.mask(" ".join(text.split()))
        return text if len(text) <= _SENT_CHARS else text[: _SENT_CHARS - 1] + "…"


_CONTRACT_REASONS = frozenset(
    {
        Reason.SCHEMA_MISMATCH,
        Reason.MISSING_REQUIRED_FIELD,
        Reason.TYPE_MISMATCH,
        Reason.INVALID_VALUE,
        Reason.UNEXPECTED_FIELD,
        Reason.UNDOCUMENTED_FIELD,
        Reason.UNDOCUMENTED_STATUS,
        Reason.CONTENT_TYPE_MISMATCH,
        Reason.EMPTY_BODY,
    }
)


def excerpt_of(reply: Reply, mask: Masker) -> str:
    """The reply's body as a short excerpt with its real values, masked (a check reports one
    reply, so ids are kept: a load run's excerpts hide them to group failures)."""
    if reply.error is not None:
        return reply.error
    if not reply.body:
        return "(empty body)"
    read = reply.body[: _SENT_CHARS * 4]
    text = mask(read.decode("utf-8", "replace"), cut=len(reply.body) > len(read))
    text = " ".join(text.split())
    return text if len(text) <= _SENT_CHARS else text[: _SENT_CHARS - 1] + "…"
