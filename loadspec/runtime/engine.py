"""The one engine that runs a spec's step chain, for load and for checks alike.

It renders, sends through a `Transport`, judges the reply (expect, JSON, extract),
applies `onFail`, `sleep`, waits and polls. It never imports an HTTP library: the
transport sends and reports; the engine decides what counts as a failure.
"""

from __future__ import annotations

import dataclasses
import logging
import mimetypes
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from loadspec.errors import LoadspecError
from loadspec.files import MAX_UPLOAD_BYTES, FileRefused, read_regular
from loadspec.inputs.credentials import Credentials, Sent, token_env
from loadspec.inputs.masking import Masker, mask, masker
from loadspec.inputs.targets import Origins
from loadspec.language.model import OnFail, PrerequisitesScope
from loadspec.rows import RowKind
from loadspec.runtime.calls import Call, Failure, Reply, excerpt
from loadspec.runtime.compiled import CompiledSpec, CompiledStep
from loadspec.templating.extract import JsonPath
from loadspec.templating.render import RenderContext, RenderError, as_text

__all__ = ["Callbacks", "ContractCheck", "Judge", "SpecRunner", "Transport"]

_OCTETS = "application/octet-stream"
_MAX_BACKOFF_S = 10.0
# A target that refuses connections is retried sooner: it may be back in a moment.
_MAX_REFUSED_BACKOFF_S = 2.0
_log = logging.getLogger("loadspec.runtime")

Judge = Callable[[Reply], "str | None"]
ContractCheck = Callable[[Reply, Masker], "str | None"]


class Transport(Protocol):
    """Sends calls and reports outcomes to whatever keeps the statistics."""

    def exchange(self, call: Call, judge: Judge) -> Reply:
        """Send `call`; report it as failed with `judge(reply)`'s message, if any."""
        ...

    def record(self, kind: str, name: str, elapsed_ms: float, failure: str | None) -> None:
        """Report something that is not one request (a wait, a request never sent)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Pause this user only."""
        ...


class Callbacks(Protocol):
    """Where webhook waits find their callbacks (the listener's box)."""

    def wait(
        self, key: str, event: str | None, timeout: float, label: str = ""
    ) -> Mapping[str, Any] | None:
        """The first callback about `key` (of `event`, if given), or None at the timeout.

        `label` (the step id) names a wait still pending when the run ends.
        """
        ...


@dataclass(slots=True)
class SpecRunner:
    """One load user's run of one spec: prerequisites once (or per iteration), then tests.

    When a Test Request step that sends a value the prerequisites extracted fails with a
    status of the spec's `prerequisites_rerun_on` (404, 409: that state vanished, e.g. the
    gateway restarted), the prerequisites run again at the next iteration, counted in a
    `SETUP` row. An iteration whose request found nothing listening backs off (0.5 s ... 2 s).

    Attributes:
        spec: the compiled spec.
        transport: sends and reports.
        tokens: credentials by type.
        variables: run variables.
        callbacks: the webhook listener's box (None where no listener runs).
        webhook_url: the URL callbacks should be sent to.
        contract_checks: `Step.key` -> a check of its reply against the contract (sampled by
            the check itself), given the mask for what the reply puts in its message; a
            message it returns fails the request.
        origins: where requests may go; a rendered path that leaves them is refused,
            unsent (None: not checked, for transports that check themselves).
    """

    spec: CompiledSpec
    transport: Transport
    tokens: Credentials
    variables: Mapping[str, Any]
    callbacks: Callbacks | None = None
    webhook_url: str | None = None
    contract_checks: Mapping[str, ContractCheck] = field(default_factory=dict)
    origins: Origins | None = None
    _prepared: dict[str, Any] | None = field(default=None, init=False)
    _aborts: int = field(default=0, init=False)
    _sent: int = field(default=0, init=False)
    _idle: int = field(default=0, init=False)
    _vanished: bool = field(default=False, init=False)
    _refused: bool = field(default=False, init=False)
    _refusals: int = field(default=0, init=False)
    _constant_headers: dict[str, Mapping[str, str]] = field(default_factory=dict, init=False)
    _sent_auth: dict[str, Sent | str] = field(default_factory=dict, init=False)

    def iteration(self) -> bool:
        """One iteration; False when a step aborted it. Failures never raise."""
        sent, self._refused = self._sent, False
        completed = self._iteration()
        if completed or self._sent > sent:
            self._idle = 0
        else:
            # Aborted before sending anything (a missing variable or token): the same will
            # happen next time, so back off instead of spinning through failures.
            self._idle += 1
            self.transport.sleep(_backoff(self._idle))
        if self._vanished:
            self._forget_setup()
        self._back_off_if_refused()
        return completed

    def once(self) -> bool:
        """Prerequisites and test request once, as a check runs a spec: no back-off after a
        failure, nothing kept for a next iteration. False when a step aborted the chain."""
        self._prepared = None
        return self._iteration()

    def _forget_setup(self) -> None:
        """What the prerequisites made is gone: run them again next time, counted."""
        self._vanished, self._prepared = False, None
        self.transport.record(RowKind.SETUP, self.spec.rerun_row, 0.0, None)

    def _back_off_if_refused(self) -> None:
        if not self._refused:
            self._refusals = 0
            return
        self._refusals += 1
        if not self._aborts:  # an aborted setup backs off before its next try already
            self.transport.sleep(_backoff(self._refusals, _MAX_REFUSED_BACKOFF_S))

    def _note(self, compiled: CompiledStep, reply: Reply) -> None:
        """What a failed reply says about the target: nothing listens, or the setup is gone."""
        self._refused = self._refused or reply.refused
        prepared = self._prepared
        if (
            prepared
            and reply.status in self.spec.spec.prerequisites_rerun_on
            and not compiled.uses.isdisjoint(prepared)
        ):
            self._vanished = True

    def _iteration(self) -> bool:
        if self.spec.spec.prerequisites_scope is PrerequisitesScope.ITERATION:
            context = self._context()
            if not self._chain(self.spec.prerequisites, context):
                return False
        else:
            if self._prepared is None and not self._prepare():
                return False
            context = self._context(self._prepared)
        return self._chain(self.spec.test_request, context)

    def _context(self, prepared: Mapping[str, Any] | None = None) -> RenderContext:
        return RenderContext(self.variables, prepared=prepared, webhook_url=self.webhook_url)

    def _prepare(self) -> bool:
        if self._aborts:
            # After an aborted setup, back off before trying again: 0.5 s, 1 s, 2 s ... 10 s.
            self.transport.sleep(_backoff(self._aborts))
        context = self._context()
        if not self._chain(self.spec.prerequisites, context):
            self._aborts += 1
            return False
        self._aborts = 0
        self._prepared = dict(context.extracted)
        return True

    def _chain(self, steps: tuple[CompiledStep, ...], context: RenderContext) -> bool:
        for compiled in steps:
            failure = self._step(compiled, context)
            if failure is None:
                if compiled.step.sleep_ms:
                    self.transport.sleep(compiled.step.sleep_ms / 1000)
                continue
            mode = compiled.step.on_fail
            if mode is OnFail.ABORT:
                return False
            if mode is OnFail.WARN:
                _log.warning("%s (onFail: warn, going on)", mask(failure, self.tokens.secrets))
        return True

    def _step(self, compiled: CompiledStep, context: RenderContext) -> str | None:
        step = compiled.step
        if step.wait is not None and not compiled.sends:
            return self._webhook_wait(compiled, context)
        try:
            call = self._call(compiled, context)
            refusal = self.origins.refusal(call.path, step.absolute_url) if self.origins else None
            if refusal is not None:
                raise _CannotSend(refusal, "HOST_REFUSED")
        except (RenderError, _CannotSend) as exc:
            code = exc.code if isinstance(exc, _CannotSend) else "RENDER_ERROR"
            message = Failure(step, code, str(exc))
            self.transport.record(step.method or RowKind.WAIT, compiled.name, 0.0, message)
            return message
        if step.poll is not None:
            return self._poll(compiled, call, context)
        failure: str | None = None

        def judge(reply: Reply) -> str | None:
            nonlocal failure
            failure = self._judge(compiled, reply, context)
            return failure

        self._sent += 1
        reply = self.transport.exchange(call, judge)
        if failure is not None:
            self._note(compiled, reply)
        return failure

    def _call(self, compiled: CompiledStep, context: RenderContext) -> Call:
        step, json_body = compiled.step, compiled.json_body
        auth = self._auth(compiled)
        params = compiled.params(context)
        if auth is not None and auth.params:
            params = {**params, **auth.params}
        return Call(
            method=compiled.method,
            path=compiled.path(context),
            name=compiled.name,
            params=params,
            headers=self._headers(compiled, context, auth),
            json=compiled.body(context) if json_body else None,
            form=compiled.form(context) if compiled.form is not None and not json_body else None,
            files=self._files(compiled) if step.file_fields else None,
            use_fallback=step.use_fallback or self.spec.spec.use_fallback_api,
            step=compiled.key,
        )

    def _auth(self, compiled: CompiledStep) -> Sent | None:
        """What the contract's security makes the step carry (None: its token decides)."""
        if compiled.security is None:
            return None
        sent = self._sent_auth.get(compiled.key)
        if sent is None:
            found = self.tokens.for_security(compiled.security, compiled.step.token)
            sent = self._sent_auth[compiled.key] = found
        if isinstance(sent, str):
            text = f"{compiled.name} (spec {self.spec.spec.path.name}) {sent}"
            raise _CannotSend(text, "MISSING_CREDENTIAL")
        return sent

    def _headers(
        self, compiled: CompiledStep, context: RenderContext, auth: Sent | None
    ) -> Mapping[str, str]:
        """The step's headers, credentials included; built once when they are constant."""
        step = compiled.step
        known = self._constant_headers.get(compiled.key) if compiled.constant_headers else None
        if known is not None:
            return known
        headers = dict(compiled.headers(context))  # a copy: a constant's value is shared
        if auth is not None:
            _add_credentials(headers, auth)
        elif step.token is not None:
            authorization = self.tokens.authorization(step.token)
            if authorization is None:
                raise _CannotSend(
                    f"no {step.token.value} token: set {token_env(step.token)}",
                    "MISSING_CREDENTIAL",
                )
            headers.setdefault("Authorization", authorization)
        if compiled.on_behalf_of is not None:
            headers["X-On-Behalf-Of"] = as_text(compiled.on_behalf_of(context))
        if compiled.constant_headers:
            self._constant_headers[compiled.key] = headers
        return headers

    def _files(self, compiled: CompiledStep) -> dict[str, tuple[str, bytes, str]]:
        files = {}
        for entry in compiled.step.file_fields:
            path = self.spec.spec.path.parent / entry.file_path
            try:
                data = read_regular(path, MAX_UPLOAD_BYTES)  # never a FIFO or a device
            except FileRefused as exc:
                raise _CannotSend(f"file {entry.file_path}: {exc}", "FILE_ERROR") from None
            kind = entry.content_type or mimetypes.guess_type(path.name)[0] or _OCTETS
            files[entry.field_name] = (entry.filename or path.name, data, kind)
        return files

    def _judge(self, compiled: CompiledStep, reply: Reply, context: RenderContext) -> str | None:
        failure = self._judge_reply(compiled, reply, context)
        check = self.contract_checks.get(compiled.key) if failure is None else None
        violation = check(reply, masker(self.tokens.secrets)) if check is not None else None
        if violation is None:
            return failure
        return Failure(compiled.step, "SCHEMA_MISMATCH", violation)

    def _judge_reply(
        self, compiled: CompiledStep, reply: Reply, context: RenderContext
    ) -> str | None:
        step = compiled.step
        failure = self._unexpected(compiled, reply)
        if failure is not None:
            return failure
        needs_json = bool(step.extract) or "json" in (reply.content_type or "")
        if not needs_json or (not reply.body and not step.extract):
            return None
        is_json, document = reply.json()
        if not is_json:
            text = f"body is not JSON: {excerpt(reply.body, self.tokens.secrets)}"
            return Failure(step, "INVALID_JSON", text)
        return self._extract(compiled, document, context, reply.body)

    def _extract(
        self, compiled: CompiledStep, document: Any, context: RenderContext, body: bytes
    ) -> str | None:
        if not compiled.extractor.paths:
            return None
        values, missing = compiled.extractor.extract(document)
        for name, value in values.items():
            context.set(name, value)
        if missing:
            paths = ", ".join(path.text for path in missing)
            text = f"extract {paths} matched nothing in: {excerpt(body, self.tokens.secrets)}"
            return Failure(compiled.step, "EXTRACT_MISSED", text)
        return None

    def _poll(self, compiled: CompiledStep, call: Call, context: RenderContext) -> str | None:
        step, poll = compiled.step, compiled.step.poll
        assert poll is not None and compiled.poll_until is not None
        started = time.monotonic()
        deadline = started + poll.timeout_ms / 1000
        last: Any = None
        poll_call = dataclasses.replace(call, name=f"{compiled.name} (poll)")
        while True:
            holds = False

            def judge(reply: Reply) -> str | None:
                nonlocal holds, last
                failure = self._judge_status(compiled, reply)
                if failure is None:
                    holds, last = _condition(compiled, reply.json()[1])
                    if holds:
                        failure = self._extract(compiled, reply.json()[1], context, reply.body)
                return failure

            self._sent += 1
            reply = self.transport.exchange(poll_call, judge)
            if reply.error is not None or reply.status not in step.expect.status:
                self._note(compiled, reply)
            elapsed = time.monotonic() - started
            if holds:
                self.transport.record(RowKind.WAIT, step.id, elapsed * 1000, None)
                return None
            if time.monotonic() + poll.interval_ms / 1000 > deadline:
                failure = Failure(
                    step,
                    "POLL_TIMEOUT",
                    f"{poll.until} never became {poll.equals!r} within "
                    f"{poll.timeout_ms / 1000:g} s (last: {last!r})",
                )
                self.transport.record(RowKind.WAIT, step.id, elapsed * 1000, failure)
                return failure
            self.transport.sleep(poll.interval_ms / 1000)

    def _unexpected(self, compiled: CompiledStep, reply: Reply) -> str | None:
        """No response, or a status the step does not expect."""
        step = compiled.step
        if reply.error is not None:
            code = "TIMEOUT" if reply.error.startswith("timed out") else "NETWORK_ERROR"
            return Failure(step, code, reply.error)
        if reply.status not in step.expect.status:
            wanted = "|".join(map(str, step.expect.status))
            text = (
                f"expected status {wanted}, got {reply.status}: "
                f"{excerpt(reply.body, self.tokens.secrets)}"
            )
            return Failure(step, "UNEXPECTED_STATUS_CODE", text)
        return None

    def _judge_status(self, compiled: CompiledStep, reply: Reply) -> str | None:
        failure = self._unexpected(compiled, reply)
        if failure is not None:
            return failure
        return (
            None if reply.json()[0] else Failure(compiled.step, "INVALID_JSON", "body is not JSON")
        )

    def _webhook_wait(self, compiled: CompiledStep, context: RenderContext) -> str | None:
        step, wait = compiled.step, compiled.step.wait
        assert wait is not None and compiled.wait_key is not None
        started = time.monotonic()
        failure: str | None
        try:
            key = as_text(compiled.wait_key(context))
            wanted = tuple((path, value(context)) for path, value in compiled.wait_match)
        except RenderError as exc:
            failure = Failure(step, "RENDER_ERROR", str(exc))
        else:
            failure = self._await(compiled, key, wanted, context)
        self.transport.record(RowKind.WAIT, step.id, (time.monotonic() - started) * 1000, failure)
        return failure

    def _await(
        self, compiled: CompiledStep, key: str, wanted: _Match, context: RenderContext
    ) -> str | None:
        wait = compiled.step.wait
        assert wait is not None
        if self.callbacks is None:
            text = "webhook waits need the listener of a load run"
            return Failure(compiled.step, "CALLBACK_TIMEOUT", text)
        payload = self._matching(compiled, key, wanted)
        if payload is None:
            # The key stays out of the message: one failure row per wait, not one per channel.
            what = wait.event or "callback"
            if compiled.wait_match:
                what += " matching " + ", ".join(path.text for path, _ in compiled.wait_match)
            text = f"no {what} callback within {wait.timeout_ms / 1000:g} s"
            return Failure(compiled.step, "CALLBACK_TIMEOUT", text)
        values, missing = compiled.extractor.extract(payload)
        for name, value in values.items():
            context.set(name, value)
        if missing:
            text = f"extract {missing[0].text} matched nothing in the callback"
            return Failure(compiled.step, "EXTRACT_MISSED", text)
        return None

    def _matching(
        self, compiled: CompiledStep, key: str, wanted: _Match
    ) -> Mapping[str, Any] | None:
        """The first callback for `key` that meets the wait's `match`; None at the deadline."""
        wait, callbacks = compiled.step.wait, self.callbacks
        assert wait is not None and callbacks is not None
        deadline = time.monotonic() + wait.timeout_ms / 1000
        while (left := deadline - time.monotonic()) > 0:
            payload = callbacks.wait(key, wait.event, left, compiled.step.id)
            if payload is None or _meets(wanted, payload):
                return payload
        return None


def _meets(wanted: _Match, payload: Any) -> bool:
    """Whether every `match` path of `payload` has the value the wait wants."""
    for path, expected in wanted:
        found, value = path.first(payload)
        if not found or (value != expected and as_text(value) != as_text(expected)):
            return False
    return True


_Match = tuple[tuple[JsonPath, Any], ...]


class _CannotSend(LoadspecError):
    """A step cannot be sent as written: a token nobody provided, a file that is not there."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def _add_credentials(headers: dict[str, str], auth: Sent) -> None:
    """The spec's own headers win; an apiKey cookie joins the cookies it sends."""
    lower = {name.lower(): name for name in headers}
    for name, value in auth.headers.items():
        if name.lower() not in lower:
            headers[name] = value
    if auth.cookies:
        cookies = "; ".join(f"{name}={value}" for name, value in auth.cookies.items())
        given = lower.get("cookie")
        if given is None:
            headers["Cookie"] = cookies
        else:
            headers[given] = f"{headers[given]}; {cookies}"


def _backoff(failures: int, longest: float = _MAX_BACKOFF_S) -> float:
    return float(min(0.5 * 2 ** (failures - 1), longest))


def _condition(compiled: CompiledStep, document: Any) -> tuple[bool, Any]:
    poll, until = compiled.step.poll, compiled.poll_until
    assert poll is not None and until is not None
    found, value = until.first(document)
    holds = found and (bool(value) if poll.equals is None else value == poll.equals)
    return holds, value
