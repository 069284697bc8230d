"""The webhook listener's defences (gevent): deadlines, size and framing checks, rate and time caps.

A request is read whole (head, then body) before the listener sees it, each part under its
deadline; only the time its handling holds the event loop, between the connection's blocking
reads and writes, is charged to the share, so a client that stalls costs its own deadline and
nobody else's time.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, BinaryIO, ClassVar

import gevent
from gevent import pywsgi
from gevent.lock import Semaphore

from loadspec.webhooks.limits import WebhookLimits

__all__ = ["BusyMeter", "RateCap", "Refused", "TimeShare", "guarded_handler"]


class Refused(ValueError):
    """A request answered with `status` and its connection closed; the listener never sees it.

    Attributes:
        status: the HTTP status it is answered.
        outcome: how the listener counts it (`rejected`, `incomplete`; None: not counted).
        size: its body's bytes, as declared or read.
    """

    def __init__(self, status: int, message: str, outcome: str | None, size: int = 0) -> None:
        super().__init__(message)
        self.status, self.outcome, self.size = status, outcome, size


class _TooSlow(OSError):
    """A deadline passed while reading a request (an OSError: pywsgi hangs up)."""


_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    501: "Not Implemented",
}


def _answer(status: int, message: str) -> tuple[str, bytes]:
    body = json.dumps({"ok": False, "message": message}).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return str(status), head.encode() + body


def _read_head(stream: BinaryIO, limits: WebhookLimits) -> bytes:
    """The header lines up to the blank one, refusing more than the limits allow."""
    lines: list[bytes] = []
    size = 0
    while True:
        line = stream.readline(limits.max_header_bytes - size + 1)
        size += len(line)
        if size > limits.max_header_bytes:
            raise Refused(431, f"request headers larger than {limits.max_header_bytes} bytes", None)
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return b"".join(lines)
        if not line.endswith(b"\n"):  # the client hung up inside the head: no request
            raise Refused(400, "request head cut off before its blank line", None)
        if len(lines) > limits.max_headers:
            raise Refused(431, f"more than {limits.max_headers} request headers", None)


def _check_framing(headers: Any) -> None:
    """One way to know where the body ends, or none: else a second request could hide in it."""
    lengths = [v.strip() for v in headers.get_all("content-length") or []]
    codings = [v.strip().lower() for v in headers.get_all("transfer-encoding") or []]
    if lengths and codings:
        raise Refused(400, "both Content-Length and Transfer-Encoding given", "rejected")
    if codings and codings != ["chunked"]:
        raise Refused(501, "a Transfer-Encoding other than chunked", "rejected")
    if len(set(lengths)) > 1 or not all(v.isdigit() for v in lengths):
        raise Refused(400, "Content-Length repeated or not a number", "rejected")


@dataclass(slots=True)
class BusyMeter:
    """How long one connection's request holds the event loop, its waits on the client left out.

    Greenlets take turns: between two blocking reads or writes of this connection no other
    greenlet runs, so that stretch (its CPU, and any time the OS takes the process away
    meanwhile) is what the users lose to it. The meter stops for each blocking read or write,
    where the others run, and counts only the stretches between them.

    Attributes:
        clock: a monotonic clock, in seconds.
        used: seconds counted since the last `stop`.
    """

    clock: Any = time.monotonic
    used: float = 0.0
    _since: float | None = None

    def start(self) -> None:
        """Count from now."""
        self._since = self.clock()

    def stop(self) -> float:
        """Stop counting; the seconds counted since `start`."""
        if self._since is not None:
            self.used += self.clock() - self._since
            self._since = None
        used, self.used = self.used, 0.0
        return used

    @contextmanager
    def waiting(self) -> Iterator[None]:
        """Not counted: a blocking read or write, while other greenlets may run."""
        since = self._since
        if since is None:
            yield
            return
        self.used += self.clock() - since
        self._since = None
        try:
            yield
        finally:
            self._since = self.clock()


class _MeteredSocket:
    """A connection's socket whose blocking reads and writes its meter does not count."""

    __slots__ = ("_meter", "_socket")

    def __init__(self, sock: Any, meter: BusyMeter) -> None:
        self._socket, self._meter = sock, meter

    def recv_into(self, buffer: Any, *args: Any) -> int:
        with self._meter.waiting():
            return int(self._socket.recv_into(buffer, *args))

    def sendall(self, data: bytes) -> None:
        with self._meter.waiting():
            self._socket.sendall(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._socket, name)


class _Reader(io.RawIOBase):
    """A metered socket as the raw stream under pywsgi's buffered reads."""

    def __init__(self, sock: _MeteredSocket) -> None:
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


class _GuardedHandler(pywsgi.WSGIHandler):  # type: ignore[misc]
    """pywsgi's handler reading each request whole under deadlines, charging its busy time."""

    limits: ClassVar[WebhookLimits] = WebhookLimits()
    share: ClassVar[TimeShare]
    refused: ClassVar[Callable[[Refused], None]]
    content_length: int | None  # pywsgi's, of the request being read
    _deadline: gevent.Timeout | None = None
    _body: bytes = b""

    def __init__(self, sock: Any, address: Any, server: Any) -> None:
        self.meter = BusyMeter()
        metered = _MeteredSocket(sock, self.meter)
        super().__init__(metered, address, server, io.BufferedReader(_Reader(metered)))

    def handle(self) -> None:
        with suppress(OSError):  # the client left before a refusal was sent
            super().handle()

    def read_requestline(self) -> str:
        with gevent.Timeout(self.limits.idle_timeout, _TooSlow):
            self.rfile.peek(1)  # the head's deadline starts with its first byte
        self.share.wait_turn()
        self.meter.start()
        self._deadline = gevent.Timeout.start_new(self.limits.header_timeout, _TooSlow)
        line: str = super().read_requestline()
        return line

    def read_request(self, raw_requestline: str) -> Any:
        try:
            parsed = super().read_request(raw_requestline)
        finally:
            self._stop_deadline()
        self._body = self._read_body()
        return parsed

    def _read_body(self) -> bytes:
        """The whole body (chunked or sized) under its deadline; pywsgi is left none to read."""
        limit, length = self.limits.max_body_bytes, self.content_length
        if length is not None and length > limit:
            raise Refused(413, f"callback body larger than {limit} bytes", "rejected", length)
        chunked = "transfer-encoding" in self.headers  # only chunked passes _check_framing
        if not (chunked or length):
            return b""
        expects = self.headers.get("expect", "").lower() == "100-continue"
        stream = pywsgi.Input(self.rfile, length, self.socket if expects else None, chunked)
        try:
            with gevent.Timeout(self.limits.body_timeout, _TooSlow):
                body: bytes = stream.read(limit + 1)
        except _TooSlow:
            late = f"callback body not received within {self.limits.body_timeout:g} s"
            raise Refused(408, late, "incomplete", length or 0) from None
        except OSError as exc:
            raise Refused(400, _incomplete(exc), "incomplete", length or 0) from None
        if len(body) > limit:
            raise Refused(413, f"callback body larger than {limit} bytes", "rejected", len(body))
        self.content_length = 0
        del self.headers["transfer-encoding"]
        return body

    def get_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().get_environ()
        environ["wsgi.input"] = BytesIO(self._body)
        environ["CONTENT_LENGTH"] = str(len(self._body))
        return environ

    def handle_one_request(self) -> Any:
        try:
            return super().handle_one_request()
        finally:
            self._stop_deadline()
            self._body = b""
            if used := self.meter.stop():
                self.share.spent(used)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def MessageClass(self, stream: BinaryIO, *args: Any) -> Any:  # pywsgi names it so
        headers = pywsgi.headers_factory(BytesIO(_read_head(stream, self.limits)))
        _check_framing(headers)
        return headers

    def _handle_client_error(self, ex: Exception) -> Any:
        # Answered without pywsgi's log line or traceback: a flood must not flood the log.
        if isinstance(ex, Refused):
            if ex.outcome is not None:
                type(self).refused(ex)  # a plain function on the class, not a method
            return _answer(ex.status, str(ex))
        if isinstance(ex, _TooSlow):
            late = f"request head not received within {self.limits.header_timeout:g} s"
            return _answer(408, late)
        return super()._handle_client_error(ex)


def _incomplete(exc: OSError) -> str:
    """Why a body could not be read, in words that do not quote it."""
    said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else type(exc).__name__
    return f"incomplete callback body: {said}"


def guarded_handler(
    limits: WebhookLimits, refused: Callable[[Refused], None] | None = None
) -> type[pywsgi.WSGIHandler]:
    """A pywsgi handler class that enforces `limits` on every request (one per listener).

    `refused` hears of each request refused for its framing or body (never of its head).
    """
    share = TimeShare(limits.max_share)
    attributes = {"limits": limits, "share": share, "refused": staticmethod(refused or _ignore)}
    return type("GuardedHandler", (_GuardedHandler,), attributes)


def _ignore(_: Refused) -> None:
    """No one to tell."""


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

    Handling time (the loop held, `BusyMeter`) is a budget refilled at `share` seconds a
    second; a request that finds it spent waits, unread in its socket, for its turn. A flood
    then slows its sender down (backpressure) instead of taking the event loop from the
    users, whatever a callback costs on this machine; a request rate under the share never
    waits.

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
