"""What the embedded gateway is started with: `StubConfig`, its `Faults`, random delays."""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass, field

from loadspec.errors import ConfigError
from loadspec.webhooks.defaults import DEFAULT_HMAC_HEADER, DEFAULT_WEBHOOK_SECRET, SCHEMES

__all__ = [
    "DEFAULT_BUSINESS_UID",
    "DEFAULT_TOKEN",
    "Delay",
    "DelayKind",
    "Faults",
    "ServerKind",
    "StubConfig",
    "StubConfigError",
    "parse_delay",
]

DEFAULT_TOKEN = "loadspec-stub-staff-token"
DEFAULT_BUSINESS_UID = "stubbusiness0001"


class StubConfigError(ConfigError):
    """A stub option has a value the stub cannot use."""


class ServerKind(enum.StrEnum):
    """Which HTTP front end serves the stub."""

    HTTPTOOLS = "httptools"  # the stub's own protocol on httptools + uvloop (the fastest)
    UVICORN = "uvicorn"  # the same application, as ASGI under uvicorn


class DelayKind(enum.StrEnum):
    """The shape of a random delay."""

    FIXED = "fixed"
    UNIFORM = "uniform"
    EXP = "exp"
    NORMAL = "normal"


@dataclass(frozen=True, slots=True)
class Delay:
    """A random delay in seconds, written `fixed:MS`, `uniform:LO:HI`, `exp:MEAN`, `normal:MU:SD`.

    Attributes:
        kind: the distribution.
        a: first parameter, in milliseconds (the value, low bound, mean or mu).
        b: second parameter, in milliseconds (high bound or standard deviation; else 0).
    """

    kind: DelayKind = DelayKind.FIXED
    a: float = 0.0
    b: float = 0.0

    def sample(self, rng: random.Random) -> float:
        """One delay, in seconds, never negative."""
        if self.kind is DelayKind.UNIFORM:
            ms = rng.uniform(self.a, self.b)
        elif self.kind is DelayKind.EXP:
            ms = rng.expovariate(1.0 / self.a) if self.a > 0 else 0.0
        elif self.kind is DelayKind.NORMAL:
            ms = rng.gauss(self.a, self.b)
        else:
            ms = self.a
        return max(ms, 0.0) / 1000.0

    @property
    def is_zero(self) -> bool:
        return self.a == 0 and self.b == 0

    def __str__(self) -> str:
        if self.kind in (DelayKind.UNIFORM, DelayKind.NORMAL):
            return f"{self.kind.value}:{self.a:g}:{self.b:g}"
        return f"{self.kind.value}:{self.a:g}"


_ARITY = {DelayKind.FIXED: 1, DelayKind.EXP: 1, DelayKind.UNIFORM: 2, DelayKind.NORMAL: 2}


def parse_delay(text: str) -> Delay:
    """`50` or `fixed:50`, `uniform:10:200`, `exp:50`, `normal:100:20` (milliseconds)."""
    head, _, rest = text.strip().partition(":")
    if not rest:
        head, rest = "fixed", head
    try:
        kind = DelayKind(head.lower())
    except ValueError:
        kinds = ", ".join(k.value for k in DelayKind)
        raise StubConfigError(f"delay {text!r}: unknown kind {head!r} (expected {kinds})") from None
    numbers = _numbers(text, rest.split(":"))
    if len(numbers) != _ARITY[kind]:
        raise StubConfigError(f"delay {text!r}: {kind.value} takes {_ARITY[kind]} number(s) in ms")
    if kind is DelayKind.UNIFORM and numbers[0] > numbers[1]:
        raise StubConfigError(f"delay {text!r}: the low bound is above the high bound")
    return Delay(kind, numbers[0], numbers[1] if len(numbers) > 1 else 0.0)


def _numbers(text: str, parts: list[str]) -> list[float]:
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise StubConfigError(f"delay {text!r}: expected numbers of milliseconds") from None
    if any(n < 0 or not math.isfinite(n) for n in numbers):
        raise StubConfigError(f"delay {text!r}: milliseconds must be finite and >= 0")
    return numbers


@dataclass(frozen=True, slots=True)
class Faults:
    """Faults the stub injects; every one is off by default.

    Rates are probabilities in [0, 1], drawn per request (or per callback).

    Attributes:
        error_rate: answer 500 with the gateway's error envelope instead of serving.
        latency: extra delay before every answer.
        reset_rate: drop the connection (TCP reset) without answering.
        malformed_rate: answer with a body that is not valid JSON.
        contract_break_rate: answer 2xx with a body that breaks the contract's schema.
        callback_drop_rate: never deliver a callback.
        callback_delay: extra delay before each callback delivery.
        callback_duplicate_rate: deliver a callback twice (same body, two signatures).
        callback_reorder_rate: hold a callback back so that later ones overtake it.
    """

    error_rate: float = 0.0
    latency: Delay = field(default_factory=Delay)
    reset_rate: float = 0.0
    malformed_rate: float = 0.0
    contract_break_rate: float = 0.0
    callback_drop_rate: float = 0.0
    callback_delay: Delay = field(default_factory=Delay)
    callback_duplicate_rate: float = 0.0
    callback_reorder_rate: float = 0.0

    def __post_init__(self) -> None:
        for name in self.__slots__:
            value = getattr(self, name)
            if name.endswith("_rate") and not 0.0 <= value <= 1.0:
                raise StubConfigError(f"{name} must be between 0 and 1, got {value}")

    @property
    def serving_faults(self) -> bool:
        """Whether any per-request fault is on (the fast path skips them all otherwise)."""
        return bool(
            self.error_rate
            or self.reset_rate
            or self.malformed_rate
            or self.contract_break_rate
            or not self.latency.is_zero
        )


@dataclass(frozen=True, slots=True)
class StubConfig:
    """Everything the embedded gateway is started with; mirrored by `loadspec stub` flags.

    Attributes:
        host: the address to listen on (loopback, or one `allow_hosts` names).
        allow_hosts: host patterns besides loopback the gateway may listen on and send
            callbacks to (`--allow-host`, the load run's rules: `AllowList`).
        port: the port; 0 lets the system pick a free one.
        tokens: the accepted staff tokens (`Authorization: Bearer <token>`).
        webhook_secret: the HS256 secret callbacks are signed with.
        activation_delay: time from channel creation to activation (and its callback).
        message_delay: time between two status steps of a message (pending, sent, received).
        callback_url: where callbacks go for channels created without their own `callback_url`.
        callback_signature: how callbacks are signed: jwt, hmac-sha256 or none.
        callback_signature_header: the header an hmac-sha256 signature goes in.
        callback_attempts: delivery attempts per callback before it is given up.
        callback_backoff: seconds before the first retry; doubled at each retry.
        rate_limit: requests per second allowed per business (0 means no limit).
        clients_per_business: how many clients each business is seeded with.
        default_business_uid: the business of a clients query that names none.
        max_body: largest request body accepted, in bytes (413 beyond).
        max_header_bytes: largest request head (request line and headers), in bytes (431 beyond).
        max_headers: most header lines in one request (431 beyond).
        header_timeout: seconds a request's head may take to arrive (slow ones are cut off).
        max_channels: most channels (and sessions) kept; the oldest are forgotten beyond.
        max_messages: most messages kept; the oldest are forgotten beyond.
        retention_seconds: messages older, and channels unused for longer, are forgotten
            (0: kept until the counts push them out).
        seed: seed of the stub's random draws (faults, jitter, seeded clients).
        server: the HTTP front end.
        faults: injected faults.
    """

    host: str = "127.0.0.1"
    allow_hosts: tuple[str, ...] = ()
    port: int = 0
    tokens: tuple[str, ...] = (DEFAULT_TOKEN,)
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    activation_delay: Delay = field(default_factory=lambda: Delay(DelayKind.UNIFORM, 500, 1500))
    message_delay: Delay = field(default_factory=lambda: Delay(DelayKind.FIXED, 50))
    callback_url: str | None = None
    callback_signature: str = "jwt"
    callback_signature_header: str = DEFAULT_HMAC_HEADER
    callback_attempts: int = 5
    callback_backoff: float = 0.2
    rate_limit: float = 0.0
    clients_per_business: int = 30
    default_business_uid: str = DEFAULT_BUSINESS_UID
    max_body: int = 1024 * 1024
    max_header_bytes: int = 64 * 1024
    max_headers: int = 100
    header_timeout: float = 10.0
    max_channels: int = 50_000
    max_messages: int = 100_000
    retention_seconds: float = 600.0
    seed: int | None = None
    server: ServerKind = ServerKind.HTTPTOOLS
    faults: Faults = field(default_factory=Faults)

    def __post_init__(self) -> None:
        if not self.tokens or any(not t or t != t.strip() for t in self.tokens):
            raise StubConfigError("tokens must be non-empty strings without surrounding spaces")
        if self.callback_signature not in SCHEMES:
            raise StubConfigError(
                f"callback_signature {self.callback_signature!r}: expected {', '.join(SCHEMES)}"
            )
        if self.callback_attempts < 1:
            raise StubConfigError("callback_attempts must be at least 1")
        if self.rate_limit < 0 or self.callback_backoff < 0:
            raise StubConfigError("rate_limit and callback_backoff must be >= 0")
        if self.clients_per_business < 0 or self.max_body < 1024:
            raise StubConfigError("clients_per_business must be >= 0 and max_body >= 1024")
        if self.max_header_bytes < 1024 or self.max_headers < 8 or self.header_timeout <= 0:
            raise StubConfigError(
                "max_header_bytes must be >= 1024, max_headers >= 8 and header_timeout > 0"
            )
        if self.max_channels < 1 or self.max_messages < 1 or self.retention_seconds < 0:
            raise StubConfigError(
                "max_channels and max_messages must be >= 1 and retention_seconds >= 0"
            )
        if not 0 <= self.port <= 65535:
            raise StubConfigError(f"port must be between 0 and 65535, got {self.port}")
