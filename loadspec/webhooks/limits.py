"""How much one webhook listener takes on: windows, bounds and caps, with sane defaults."""

from __future__ import annotations

from dataclasses import dataclass

from loadspec.errors import ConfigError

__all__ = ["WebhookLimits"]


@dataclass(frozen=True, slots=True)
class WebhookLimits:
    """The webhook listener's limits, per Locust process (standard library only).

    Attributes:
        max_age: seconds a callback's `iat` may be from now, before or after (else rejected).
        replay_window: seconds a delivery id is remembered, so a replay is dropped; at least
            twice `max_age`, so that every replay meets one check or the other.
        max_pending: most callbacks kept for waits not started yet (the oldest is dropped).
        max_pending_bytes: most bytes of callback bodies kept so (the oldest is dropped).
        pending_ttl: seconds such a callback is kept.
        max_rate: callbacks handled per second; beyond, 429 with `Retry-After` (senders retry).
        max_share: the share of the process's time callback handling may take (0..1]; beyond,
            the next callback waits in its socket, so a flood cannot starve the users.
        max_header_bytes: largest request line and headers (431 beyond).
        max_headers: most header lines (431 beyond).
        max_body_bytes: largest callback body, sized or chunked (413 beyond).
        header_timeout: seconds a request's line and headers may take to arrive.
        body_timeout: seconds a request's body may take to arrive after its head (408).
        idle_timeout: seconds a keep-alive connection may wait for its next request.
    """

    max_age: float = 300.0
    replay_window: float = 600.0
    max_pending: int = 20_000
    max_pending_bytes: int = 32 << 20
    pending_ttl: float = 120.0
    max_rate: float = 2_000.0
    max_share: float = 0.25
    max_header_bytes: int = 16 * 1024
    max_headers: int = 50
    max_body_bytes: int = 1 << 20
    header_timeout: float = 10.0
    body_timeout: float = 10.0
    idle_timeout: float = 60.0

    def __post_init__(self) -> None:
        positive = (
            "max_age",
            "pending_ttl",
            "max_rate",
            "header_timeout",
            "body_timeout",
            "idle_timeout",
            "max_pending_bytes",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ConfigError(f"webhook {name.replace('_', ' ')} must be more than 0")
        if self.replay_window < 2 * self.max_age:
            raise ConfigError(
                f"webhook replay window ({self.replay_window:g} s) must be at least twice "
                f"the iat window ({self.max_age:g} s): a replay would slip between them"
            )
        if not 0 < self.max_share <= 1:
            raise ConfigError(f"webhook max share must be in (0, 1], found {self.max_share:g}")
        if (
            self.max_pending < 1
            or self.max_header_bytes < 1024
            or self.max_headers < 8
            or self.max_body_bytes < 1024
        ):
            raise ConfigError(
                "webhook max pending must be >= 1, header and body bytes >= 1024 and headers >= 8"
            )
