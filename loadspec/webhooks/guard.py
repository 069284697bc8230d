"""The webhook listener's defences (gevent): head limits, head deadline, rate and time caps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, BinaryIO, ClassVar

import gevent
from gevent import pywsgi
from gevent.lock import Semaphore

from loadspec.webhooks.limits import WebhookLimits

__all__ = ["RateCap", "TimeShare", "guarded_handler"]


class _HeadTooLarge(ValueError):
    """The request's headers pass the byte or count limit."""


class _TooSlow(OSError):
    """The request's line and headers did not arrive in time (an OSError: pywsgi hangs up)."""


def _answer(status: str, reason: str) -> tuple[str, bytes]:
    return status, (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    ).encode()


_431 = _answer("431", "Request Header Fields Too Large")
_408 = _answer("408", "Request Timeout")


def _read_head(stream: BinaryIO, limits: WebhookLimits) -> bytes:
    """The header lines up to the blank one, refusing more than the limits allow."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(limits.max_header_bytes - size + 1)
        size += len(line)
        if size > limits.max_header_bytes:
            raise _HeadTooLarge(f"request headers larger than {limits.max_header_bytes} bytes")
        lines.append(line)
        if line in (b"\r\n", b"\n", b""):
            return b"".join(lines)
        if len(lines) > limits.max_headers:
            raise _HeadTooLarge(f"more than {limits.max_headers} request headers")


class _GuardedHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
    """pywsgi's handler with a deadline for each request's head and limits on its size."""

    limits: ClassVar[WebhookLimits] = WebhookLimits()
    share: ClassVar[TimeShare]
    _deadline: gevent.Timeout | None = None
    _started: float = 0.0

    def read_requestline(self) -> str:
        with gevent.Timeout(self.limits.idle_timeout, _TooSlow):
            self.rfile.peek(1)  # the head's deadline starts with its first byte
        self.share.wait_turn()
        self._started = time.monotonic()
        self._deadline = gevent.Timeout.start_new(self.limits.header_timeout, _TooSlow)
        line: str = super().read_requestline()
        return line

    def read_request(self, raw_requestline: str) -> Any:
        try:
            return super().read_request(raw_requestline)
        finally:
            self._stop_deadline()

    def handle_one_request(self) -> Any:
        try:
            return super().handle_one_request()
        finally:
            self._stop_deadline()
            if self._started:
                self.share.spent(time.monotonic() - self._started)
                self._started = 0.0

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def MessageClass(self, stream: BinaryIO, *args: Any) -> Any:  # pywsgi names it so
        return pywsgi.headers_factory(BytesIO(_read_head(stream, self.limits)))

    def _handle_client_error(self, ex: Exception) -> Any:
        # Answered without pywsgi's log line or traceback: a flood must not flood the log.
        if isinstance(ex, _HeadTooLarge):
            return _431
        if isinstance(ex, _TooSlow):
            return _408
        return super()._handle_client_error(ex)


def guarded_handler(limits: WebhookLimits) -> type[pywsgi.WSGIHandler]:
    """A pywsgi handler class that enforces `limits` on every request (one per listener)."""
    share = TimeShare(limits.max_share)
    return type("GuardedHandler", (_GuardedHandler,), {"limits": limits, "share": share})


@dataclass(slots=True)
class RateCap:
    """A token bucket: at most `rate` callbacks a second are handled, bursts of one second.

    Attributes:
        rate: callbacks per second.
        clock: a monotonic clock, in seconds.
    """

    rate: float
    clock: Any = time.monotonic
    _tokens: float = field(init=False)
    _stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self._tokens, self._stamp = self.rate, self.clock()

    def take(self) -> bool:
        """Whether one more callback may be handled now."""
        now = self.clock()
        self._tokens = min(self.rate, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False


@dataclass(slots=True)
class TimeShare:
    """Keeps callback handling to `share` of the wall clock, in bursts of up to `burst` s.

    Handling time is a budget refilled at `share` seconds a second; a request that finds it
    spent waits, unread in its socket, for its turn. A flood then slows its sender down
    (backpressure) instead of taking the event loop from the users, whatever a callback costs
    on this machine; a request rate under the share never waits.

    Attributes:
        share: the most of the wall clock handling may take, in (0, 1].
        burst: seconds of handling allowed at once after a quiet spell.
        clock: a monotonic clock, in seconds.
        sleep: how a waiting request waits (a greenlet sleep).
        used: seconds of handling so far.
    """

    share: float
    burst: float = 0.05
    clock: Any = time.monotonic
    sleep: Any = gevent.sleep
    used: float = 0.0
    _budget: float = field(init=False)
    _stamp: float = field(init=False)
    _queue: Semaphore = field(init=False, default_factory=Semaphore)

    def __post_init__(self) -> None:
        self._budget, self._stamp = self.burst, self.clock()

    def wait_turn(self) -> None:
        """Return once the budget allows one more request."""
        # One request waits for the budget at a time, the others queue behind it: woken
        # together, a flood's connections would spend the budget re-checking it.
        with self._queue:
            while True:
                now = self.clock()
                self._budget = min(self.burst, self._budget + (now - self._stamp) * self.share)
                self._stamp = now
                if self._budget >= 0:
                    return
                self.sleep(max(-self._budget / self.share, 0.001))

    def spent(self, seconds: float) -> None:
        """A request took `seconds` of the process's time."""
        self._budget -= seconds
        self.used += seconds
