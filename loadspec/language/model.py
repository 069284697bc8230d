"""The typed, frozen model of a spec file. It knows nothing of HTTP or YAML."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from loadspec.language.sourcemap import SourceMap

__all__ = [
    "AUTHORS_TOKEN_TYPES",
    "DEFAULT_STATUSES",
    "DataMode",
    "DataScope",
    "DataSource",
    "Endpoint",
    "Expect",
    "FileField",
    "HttpMethod",
    "OnFail",
    "Pace",
    "PaceKind",
    "Poll",
    "PrerequisitesScope",
    "Spec",
    "Status",
    "Step",
    "TestRequestSteps",
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


@dataclass(frozen=True, slots=True, order=True)
class TokenType:
    """A kind of credential a step sends, by name: the authors' (`staff`, `directory`...) or
    any other (`apikey`); its token is `LOADSPEC_TOKEN_<NAME>`.

    Attributes:
        value: the name, lower case.
    """

    value: str
    STAFF: ClassVar[TokenType]
    DIRECTORY: ClassVar[TokenType]
    CLIENT: ClassVar[TokenType]
    APP: ClassVar[TokenType]
    ADMIN: ClassVar[TokenType]
    BUSINESS: ClassVar[TokenType]
    INTERNAL: ClassVar[TokenType]
    OPERATOR: ClassVar[TokenType]

    @property
    def scheme(self) -> str:
        """The Authorization scheme: admin/internal tokens use `Admin`, the rest `Bearer`."""
        return "Admin" if self.value in _ADMIN_TYPES else "Bearer"

    def __str__(self) -> str:
        return self.value


_ADMIN_TYPES = frozenset({"admin", "internal"})
AUTHORS_TOKEN_TYPES = (
    "staff", "directory", "client", "app", "admin", "business", "internal", "operator"
)  # fmt: skip
"""The token types of the authors' tool; any other name is a type of its own."""
for _name in AUTHORS_TOKEN_TYPES:
    setattr(TokenType, _name.upper(), TokenType(_name))


class PrerequisitesScope(enum.StrEnum):
    """How often a load user runs a spec's prerequisites."""

    USER = "user"
    ITERATION = "iteration"


class TestRequestSteps(enum.StrEnum):
    """Which steps of the Test Request run: the first, as the source system runs it, or all."""

    FIRST = "first"
    ALL = "all"


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
        callback: template of the key callbacks are matched by (e.g. `{{channel_uid}}`), the
            callback's `data.uid`.
        event: only callbacks of this event type match (any when None).
        timeout_ms: how long to wait before the step fails.
        match: JSONPath into the callback body -> the value it must have (a template);
            callbacks for the key that do not match are passed over.
    """

    callback: str
    event: str | None = None
    timeout_ms: float = 30_000.0
    match: Mapping[str, Any] = field(default_factory=dict)


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
        id: unique within its section (Prerequisites or Test Request).
        description: prose, not sent.
        method: HTTP method; None for a pure webhook wait.
        path: path template, e.g. `/business/communication/channels/{{channel_uid}}`.
        params: query parameters (templates allowed in values).
        body: JSON body (templates allowed in any string).
        headers: extra request headers.
        token: credential type to send; None sends no Authorization header.
        token_named: the spec chose `token` (`token:` on the step or in the front matter, or
            `tokens: []`); otherwise the contract's security for the step's operation decides
            where it declares any, and `token` (staff) where it does not.
        extract: name -> JSONPath into the response body.
        expect: accepted outcome.
        on_fail: what a failure does to the iteration.
        sleep_ms: pause after a successful step.
        x_on_behalf_of: business uid a directory token acts for.
        use_fallback: send to the fallback API host.
        absolute_url: its path may render to an absolute URL (a link a reply gave), sent only
            to the run's own hosts or an --allow-host one (`absoluteUrl: true`, ours).
        content_type: `json` (default), `multipart` or `form`.
        form_fields: multipart or form fields.
        file_fields: multipart file fields.
        wait: webhook wait (ours).
        poll: polling condition (ours).
        skip_reason: why the step may fail and be skipped (`skipReason`: prose, not sent).
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
    token_named: bool = False
    extract: Mapping[str, str] = field(default_factory=dict)
    expect: Expect = Expect()
    on_fail: OnFail = OnFail.ABORT
    sleep_ms: float = 0.0
    x_on_behalf_of: str | None = None
    use_fallback: bool = False
    absolute_url: bool = False
    content_type: str = "json"
    form_fields: Mapping[str, Any] = field(default_factory=dict)
    file_fields: tuple[FileField, ...] = ()
    wait: Wait | None = None
    poll: Poll | None = None
    skip_reason: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0
    location: tuple[str | int, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        """Stats name: method and unrendered path template, never ids."""
        if self.method is None or self.path is None:
            return f"WAIT {self.id}"
        return f"{self.method.value} {self.path}"

    @property
    def key(self) -> str:
        """Unique within the spec: its section and id (ids repeat across sections)."""
        return f"{self.location[0]}.{self.id}" if self.location else self.id


class PaceKind(enum.StrEnum):
    """How a user spaces its iterations: Locust's `between`, `constant_pacing`, throughput."""

    THINK = "thinkTime"
    PACING = "pacing"
    RATE = "rate"


@dataclass(frozen=True, slots=True)
class Pace:
    """A user's wait between iterations (`thinkTime: 0.5s-2s`, `pacing: 2s`, `rate: 5/s`).

    Attributes:
        kind: a pause after each iteration, a start every interval, or iterations per second.
        low: seconds (think time's least, the pacing interval) or iterations per second.
        high: think time's most, in seconds (equal to `low` when fixed).
        text: as written, for messages.
    """

    kind: PaceKind
    low: float
    high: float = 0.0
    text: str = ""


class DataMode(enum.StrEnum):
    """Which row of a data file comes next."""

    SEQUENTIAL = "sequential"
    RANDOM = "random"
    UNIQUE = "unique"


class DataScope(enum.StrEnum):
    """Whether a row is taken per iteration or once per user."""

    ITERATION = "iteration"
    USER = "user"


@dataclass(frozen=True, slots=True)
class DataSource:
    """A spec's data file (`data: {file: ..., mode: ..., scope: ...}`).

    Attributes:
        file: the file, resolved like `swagger:` paths.
        mode: sequential (wraps), random, or unique (no row twice).
        scope: a row per iteration or per user.
        exhausted: with `unique`, what happens when rows run out: `stop` ends the run,
            `wrap` starts over.
        columns: the header row's names, the run variables a row sets.
    """

    file: Path
    mode: DataMode = DataMode.SEQUENTIAL
    scope: DataScope = DataScope.ITERATION
    exhausted: str = "stop"
    columns: tuple[str, ...] = ()


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
        tokens: credential types the spec needs (the authors' front matter, as written).
        use_fallback_api: every step goes to the fallback API host.
        weight: relative weight of this spec's user class under load.
        prerequisites_scope: prerequisites once per user, or every iteration.
        prerequisites_rerun_on: statuses that mean the setup vanished: a failed Test Request
            step that sends a value the prerequisites extracted and gets one of them makes
            the user run its prerequisites again (`prerequisitesRerunOn`).
        prerequisites: steps run before the test request.
        test_request: the steps under test that run: the first only, as the source system
            runs it, or all of them with `testRequestSteps: all` (ours).
        test_request_steps: which steps of the Test Request run.
        unrun: steps of the Test Request after the first, kept but not run (`first`).
        pace: the spec's own wait between iterations (over the run's), if it sets one.
        data: the spec's data file, if any.
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
    prerequisites_rerun_on: tuple[int, ...] = (404, 409)
    prerequisites: tuple[Step, ...] = ()
    test_request: tuple[Step, ...] = ()
    test_request_steps: TestRequestSteps = TestRequestSteps.FIRST
    unrun: tuple[Step, ...] = ()
    pace: Pace | None = None
    data: DataSource | None = None
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
        """The request the endpoint names: of the steps that run, `main_request` or the last."""
        requests = [s for s in self.test_request if s.method is not None]
        named = [s for s in requests if s.id == "main_request"]
        candidates = named or requests
        return candidates[-1] if candidates else None
