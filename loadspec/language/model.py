"""The typed, frozen model of a spec file. It knows nothing of HTTP or YAML."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.language.sourcemap import SourceMap

__all__ = [
    "DEFAULT_STATUSES",
    "Endpoint",
    "Expect",
    "FileField",
    "HttpMethod",
    "OnFail",
    "Poll",
    "PrerequisitesScope",
    "Spec",
    "Status",
    "Step",
    "TokenType",
    "Wait",
]


class HttpMethod(enum.StrEnum):
    """The HTTP methods a step may use."""

    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    PATCH = "PATCH"
    DELETE = "DELETE"
    HEAD = "HEAD"
    OPTIONS = "OPTIONS"


class OnFail(enum.StrEnum):
    """What a failed step does to the rest of its iteration."""

    ABORT = "abort"
    SKIP = "skip"
    WARN = "warn"
    CONTINUE = "continue"


class Status(enum.StrEnum):
    """A spec's lifecycle status, as the source system records it."""

    VERIFIED = "verified"
    PENDING = "pending"
    SUCCESS = "success"
    PASS = "pass"
    SKIP = "skip"
    SKIPPED = "skipped"
    FAILED = "failed"
    DEPRECATED = "deprecated"

    @property
    def runs_by_default(self) -> bool:
        """Whether load and fuzz runs include this spec without `--include-skipped`."""
        return self in DEFAULT_STATUSES


DEFAULT_STATUSES = frozenset({Status.VERIFIED, Status.PENDING, Status.SUCCESS, Status.PASS})


class TokenType(enum.StrEnum):
    """The kinds of credentials a step can send."""

    STAFF = "staff"
    DIRECTORY = "directory"
    CLIENT = "client"
    APP = "app"
    ADMIN = "admin"

    @property
    def scheme(self) -> str:
        """The Authorization scheme: admin/internal tokens use `Admin`, the rest `Bearer`."""
        return "Admin" if self is TokenType.ADMIN else "Bearer"


class PrerequisitesScope(enum.StrEnum):
    """How often a load user runs a spec's prerequisites."""

    USER = "user"
    ITERATION = "iteration"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """The operation a spec is about.

    Attributes:
        method: the HTTP method.
        path: the path template as the spec writes it, e.g. `/business/communication/messages`.
    """

    method: HttpMethod
    path: str

    def __str__(self) -> str:
        return f"{self.method.value} {self.path}"

    @property
    def route(self) -> str:
        """The path without any query string."""
        return self.path.split("?", 1)[0]


@dataclass(frozen=True, slots=True)
class FileField:
    """One file of a multipart request.

    Attributes:
        field_name: the form field.
        file_path: the file to send, relative to the spec's folder.
        filename: the name sent with it (default: the file's own name).
        content_type: its MIME type (default: guessed from the name).
    """

    field_name: str
    file_path: str
    filename: str | None = None
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Expect:
    """What a step's response must be.

    Attributes:
        status: the accepted status codes.
    """

    status: tuple[int, ...] = (200,)


@dataclass(frozen=True, slots=True)
class Wait:
    """Block until a callback for `callback` reaches the harness's webhook listener.

    Attributes:
        callback: template of the key callbacks are matched by (e.g. `{{channel_uid}}`).
        event: only callbacks of this event type match (any when None).
        timeout_ms: how long to wait before the step fails.
    """

    callback: str
    event: str | None = None
    timeout_ms: float = 30_000.0


@dataclass(frozen=True, slots=True)
class Poll:
    """Repeat a step's request until a JSONPath condition holds.

    Attributes:
        until: JSONPath into the response body.
        equals: the value it must have; when None, any match that is truthy will do.
        interval_ms: pause between attempts.
        timeout_ms: deadline for the condition.
    """

    until: str
    equals: Any = None
    interval_ms: float = 500.0
    timeout_ms: float = 30_000.0


@dataclass(frozen=True, slots=True)
class Step:
    """One request (or wait) of a spec.

    Attributes:
        id: unique within the spec.
        description: prose, not sent.
        method: HTTP method; None for a pure webhook wait.
        path: path template, e.g. `/business/communication/channels/{{channel_uid}}`.
        params: query parameters (templates allowed in values).
        body: JSON body (templates allowed in any string).
        headers: extra request headers.
        token: credential type to send; None sends no Authorization header.
        extract: name -> JSONPath into the response body.
        expect: accepted outcome.
        on_fail: what a failure does to the iteration.
        sleep_ms: pause after a successful step.
        x_on_behalf_of: business uid a directory token acts for.
        use_fallback: send to the fallback API host.
        content_type: `json` (default), `multipart` or `form`.
        form_fields: multipart or form fields.
        file_fields: multipart file fields.
        wait: webhook wait (ours).
        poll: polling condition (ours).
        extra: unknown keys, kept as written.
        line: line of the step in its file.
        location: where the step sits in the file, e.g. `("test_request", "steps", 0)`.
    """

    id: str
    method: HttpMethod | None = None
    path: str | None = None
    description: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    body: Any = None
    headers: Mapping[str, Any] = field(default_factory=dict)
    token: TokenType | None = TokenType.STAFF
    extract: Mapping[str, str] = field(default_factory=dict)
    expect: Expect = Expect()
    on_fail: OnFail = OnFail.ABORT
    sleep_ms: float = 0.0
    x_on_behalf_of: str | None = None
    use_fallback: bool = False
    content_type: str = "json"
    form_fields: Mapping[str, Any] = field(default_factory=dict)
    file_fields: tuple[FileField, ...] = ()
    wait: Wait | None = None
    poll: Poll | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0
    location: tuple[str | int, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        """Stats name: method and unrendered path template, never ids."""
        if self.method is None or self.path is None:
            return f"WAIT {self.id}"
        return f"{self.method.value} {self.path}"


@dataclass(frozen=True, slots=True)
class Spec:
    """One spec file: its front matter and its two step chains.

    Attributes:
        path: the file.
        endpoint: the operation under test.
        title: the `# Title` heading.
        domain: the API domain (e.g. `communication`).
        tags: labels; they become Locust tags.
        swagger: the contract file as written in the front matter.
        status: lifecycle status.
        skip_reason: why the spec is skipped, shown wherever it is.
        tokens: credential types the spec needs.
        use_fallback_api: every step goes to the fallback API host.
        weight: relative weight of this spec's user class under load.
        prerequisites_scope: prerequisites once per user, or every iteration.
        prerequisites: steps run before the test request.
        test_request: the steps under test (the last is the main request).
        meta: every other front matter key, known or not, as written.
        source: line of each location in the file.
    """

    path: Path
    endpoint: Endpoint
    title: str = ""
    domain: str | None = None
    tags: tuple[str, ...] = ()
    swagger: str | None = None
    status: Status = Status.VERIFIED
    skip_reason: str | None = None
    tokens: tuple[TokenType, ...] = ()
    use_fallback_api: bool = False
    weight: int = 1
    prerequisites_scope: PrerequisitesScope = PrerequisitesScope.USER
    prerequisites: tuple[Step, ...] = ()
    test_request: tuple[Step, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    source: SourceMap = field(default_factory=SourceMap, compare=False, repr=False)

    @property
    def runs_by_default(self) -> bool:
        """Whether this spec runs without `--include-skipped`."""
        return self.status.runs_by_default

    @property
    def steps(self) -> tuple[Step, ...]:
        """Prerequisites then test request, in order."""
        return self.prerequisites + self.test_request

    @property
    def main_request(self) -> Step | None:
        """The last request step of the test request: the one the endpoint names."""
        requests = [s for s in self.test_request if s.method is not None]
        named = [s for s in requests if s.id == "main_request"]
        candidates = named or requests
        return candidates[-1] if candidates else None
