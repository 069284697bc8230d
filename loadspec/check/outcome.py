"""What `loadspec check` decides about one step and one spec: a status and a reason code.

The statuses are the authors' (their `docs/validation-modes.md`), with one difference they
asked for: a 2xx whose body breaks its schema FAILs (theirs only warned).

    PASS   the expected status, the body matches the contract, expect and extract hold
    WARN   as PASS, but the contract is off: an undocumented field or status (drift)
    ERROR  a non-2xx the spec did not expect but the contract documents (a business error)
    FAIL   an unexpected status, a schema mismatch, a failed extract or wait, no answer
    SKIP   not run: its status, deprecated, a DELETE without --include-delete, a missing
           run variable or credential

Pure data and rules: no HTTP, no Locust (`tests/check/` checks them in-process).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from loadspec.contract.conformance import Finding

__all__ = ["Reason", "SpecCheck", "Status", "StepCheck", "as_reason", "judge_reply", "worst"]


class Status(enum.StrEnum):
    """A check's outcome, from best to worst (SKIP: not run)."""

    PASS = "PASS"
    WARN = "WARN"
    ERROR = "ERROR"
    FAIL = "FAIL"
    SKIP = "SKIP"

    @property
    def rank(self) -> int:
        """Higher is worse; SKIP ranks with PASS (nothing was wrong, nothing was tried)."""
        return _RANKS[self]


_RANKS = {Status.SKIP: 0, Status.PASS: 0, Status.WARN: 1, Status.ERROR: 2, Status.FAIL: 3}


class Reason(enum.StrEnum):
    """Why a check did not PASS: one small set, modelled on the authors' reason codes."""

    SCHEMA_MISMATCH = "SCHEMA_MISMATCH"
    MISSING_REQUIRED_FIELD = "MISSING_REQUIRED_FIELD"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    INVALID_VALUE = "INVALID_VALUE"
    UNEXPECTED_FIELD = "UNEXPECTED_FIELD"
    UNDOCUMENTED_FIELD = "UNDOCUMENTED_FIELD"
    UNDOCUMENTED_STATUS = "UNDOCUMENTED_STATUS"
    CONTENT_TYPE_MISMATCH = "CONTENT_TYPE_MISMATCH"
    EMPTY_BODY = "EMPTY_BODY"
    INVALID_JSON = "INVALID_JSON"
    UNEXPECTED_STATUS_CODE = "UNEXPECTED_STATUS_CODE"
    AUTH_FAILED = "AUTH_FAILED"
    ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"
    RATE_LIMITED = "RATE_LIMITED"
    SERVER_ERROR = "SERVER_ERROR"
    TIMEOUT = "TIMEOUT"
    NETWORK_ERROR = "NETWORK_ERROR"
    CALLBACK_TIMEOUT = "CALLBACK_TIMEOUT"
    POLL_TIMEOUT = "POLL_TIMEOUT"
    EXTRACT_MISSED = "EXTRACT_MISSED"
    HOST_REFUSED = "HOST_REFUSED"
    MISSING_CREDENTIAL = "MISSING_CREDENTIAL"
    MISSING_VARIABLE = "MISSING_VARIABLE"
    RENDER_ERROR = "RENDER_ERROR"
    FILE_ERROR = "FILE_ERROR"
    INVALID_SPEC = "INVALID_SPEC"
    SKIPPED_STATUS = "SKIPPED_STATUS"
    DEPRECATED = "DEPRECATED"
    DESTRUCTIVE = "DESTRUCTIVE"
    CRASHED = "CRASHED"

    @property
    def friendly(self) -> str:
        """One plain sentence on what the code means and where to look."""
        return _FRIENDLY[self]


_FRIENDLY = {
    Reason.SCHEMA_MISMATCH: "The response body does not match the documented schema.",
    Reason.MISSING_REQUIRED_FIELD: "The response lacks a field the contract requires.",
    Reason.TYPE_MISMATCH: "A field of the response has another type than documented.",
    Reason.INVALID_VALUE: "A field's value is outside what the contract allows.",
    Reason.UNEXPECTED_FIELD: "The response has a field the contract forbids.",
    Reason.UNDOCUMENTED_FIELD: "The response has fields the contract does not document.",
    Reason.UNDOCUMENTED_STATUS: "The API answered with a status the contract does not list.",
    Reason.CONTENT_TYPE_MISMATCH: "The response's content type is not documented.",
    Reason.EMPTY_BODY: "The response has no body where the contract documents one.",
    Reason.INVALID_JSON: "The response body is not JSON where JSON is expected.",
    Reason.UNEXPECTED_STATUS_CODE: "The API answered with another status than the spec expects.",
    Reason.AUTH_FAILED: "The API refused the credentials (401/403): check the token.",
    Reason.ENDPOINT_NOT_FOUND: "The API answered 404: the path or an id in it is unknown.",
    Reason.RATE_LIMITED: "The API answered 429: slow down (rateLimit, --concurrency).",
    Reason.SERVER_ERROR: "The API failed with a 5xx status.",
    Reason.TIMEOUT: "No complete answer within --request-timeout.",
    Reason.NETWORK_ERROR: "No answer: the connection failed.",
    Reason.CALLBACK_TIMEOUT: "The callback the spec waits for did not arrive in time.",
    Reason.POLL_TIMEOUT: "The polled value never reached what the spec waits for.",
    Reason.EXTRACT_MISSED: "A value the spec extracts is not in the response.",
    Reason.HOST_REFUSED: "The request would leave the allowed hosts: it was not sent.",
    Reason.MISSING_CREDENTIAL: "The spec sends a credential that is not set.",
    Reason.MISSING_VARIABLE: "The spec needs run variables that have no value.",
    Reason.RENDER_ERROR: "A template of the step could not be rendered.",
    Reason.FILE_ERROR: "A file the step uploads cannot be read.",
    Reason.INVALID_SPEC: "The spec file has errors (loadspec validate shows them).",
    Reason.SKIPPED_STATUS: "The spec's status skips it (--include-skipped runs it).",
    Reason.DEPRECATED: "The spec is deprecated (--include-skipped runs it).",
    Reason.DESTRUCTIVE: "A DELETE is destructive: --include-delete runs it.",
    Reason.CRASHED: "The check itself raised an error (a defect in loadspec).",
}
_BY_STATUS = {401: Reason.AUTH_FAILED, 403: Reason.AUTH_FAILED, 404: Reason.ENDPOINT_NOT_FOUND}


@dataclass(frozen=True, slots=True)
class StepCheck:
    """One step's outcome: a request and its reply, or a wait.

    Attributes:
        step: the step's id.
        phase: `prerequisites` or `test`.
        request: what was sent (`POST /channels`, or `WAIT` for a callback).
        status: the HTTP status (0: none, or a wait).
        outcome: the step's status.
        reason: why it is not PASS (None when it is).
        message: the engine's or the contract's message, masked.
        findings: every way the reply departs from the contract.
        elapsed_ms: the request's (or wait's) time.
        sent: an excerpt of what was sent (masked), for failures.
        received: an excerpt of the body received (masked), for failures.
    """

    step: str
    phase: str
    request: str
    status: int = 0
    outcome: Status = Status.PASS
    reason: Reason | None = None
    message: str = ""
    findings: tuple[Finding, ...] = ()
    elapsed_ms: float = 0.0
    sent: str = ""
    received: str = ""


@dataclass(frozen=True, slots=True)
class SpecCheck:
    """One spec's outcome: its worst step decides.

    Attributes:
        path: the spec file, as given.
        domain: front matter `domain:`, else the spec's folder.
        endpoint: `POST /business/communication/messages`.
        title: the spec's title.
        status: the outcome.
        reason: why it is not PASS.
        message: the deciding step's message (or why it was skipped).
        steps: every step that ran, in order.
        duration_ms: the time the spec took.
    """

    path: str
    domain: str
    endpoint: str
    title: str = ""
    status: Status = Status.PASS
    reason: Reason | None = None
    message: str = ""
    steps: tuple[StepCheck, ...] = field(default_factory=tuple)
    duration_ms: float = 0.0

    @property
    def method(self) -> str:
        """The endpoint's method."""
        return self.endpoint.split(" ", 1)[0]

    @property
    def route(self) -> str:
        """The endpoint's path."""
        return self.endpoint.split(" ", 1)[-1]

    @property
    def deciding(self) -> StepCheck | None:
        """The step whose outcome is the spec's (the first of the worst)."""
        ranked = [s for s in self.steps if s.outcome is self.status and s.reason is not None]
        return ranked[0] if ranked else None


def worst(outcomes: Iterable[Status]) -> Status:
    """The worst of `outcomes` (PASS when there are none)."""
    return max(outcomes, key=lambda s: s.rank, default=Status.PASS)


def judge_reply(
    status: int,
    expected: Sequence[int],
    code: str | None,
    findings: Sequence[Finding] | None,
) -> tuple[Status, Reason | None]:
    """A request's outcome from its status, the engine's failure code and the contract.

    Args:
        status: the HTTP status (0: no answer).
        expected: the statuses the step expects.
        code: the engine's failure code (`Failure.code`), None when the step passed.
        findings: the contract's review of the reply; None when no contract documents the
            operation (nothing to judge against).
    """
    if status == 0:
        return Status.FAIL, as_reason(code, Reason.NETWORK_ERROR)
    if status not in expected:
        documented = findings is not None and not any(
            f.code == Reason.UNDOCUMENTED_STATUS for f in findings
        )
        # A business error the contract documents is an ERROR; anything else a FAIL.
        return Status.ERROR if documented and status >= 300 else Status.FAIL, _status_reason(status)
    return _judge_expected(code, findings or ())


def _judge_expected(code: str | None, findings: Sequence[Finding]) -> tuple[Status, Reason | None]:
    """The outcome of a reply with an expected status: the contract's breaks, the engine's
    failure (an extract that missed), the contract's drift, in that order."""
    breaks = [f for f in findings if not f.drift]
    if breaks:
        # The contract's break first: an extract that missed is its symptom, not its cause.
        return Status.FAIL, as_reason(breaks[0].code, Reason.SCHEMA_MISMATCH)
    if code is not None:
        return Status.FAIL, as_reason(code, Reason.SCHEMA_MISMATCH)
    drift = [f for f in findings if f.drift]
    if drift:
        return Status.WARN, as_reason(drift[0].code, Reason.SCHEMA_MISMATCH)
    return Status.PASS, None


def _status_reason(status: int) -> Reason:
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status == 429:
        return Reason.RATE_LIMITED
    if status >= 500:
        return Reason.SERVER_ERROR
    return Reason.UNEXPECTED_STATUS_CODE


def as_reason(code: str | None, default: Reason) -> Reason:
    """The reason a failure code names (`default` for none, or one not in the set)."""
    try:
        return Reason(code) if code else default
    except ValueError:
        return default
