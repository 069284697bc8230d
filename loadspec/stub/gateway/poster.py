"""A small keep-alive HTTP/1.1 POST client for callbacks, on asyncio and httptools' parser.

Callbacks are many (two per message) and go to loopback listeners; a general-purpose client
cost the stub ~3 ms of CPU per callback under load, this one a few dozen microseconds. It does
one thing: POST a body, read the status (and `Retry-After`), keep the connection for reuse.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools

__all__ = ["PostError", "Posted", "Poster"]

MAX_IDLE_PER_HOST = 32


class PostError(Exception):
    """The POST got no HTTP answer: refused, reset, timed out, or garbled."""


@dataclass(frozen=True, slots=True)
class Posted:
    """What a POST was answered.

    Attributes:
        status: the HTTP status.
        retry_after: the `Retry-After` header's text, if any.
    """

    status: int
    retry_after: str | None = None


@dataclass(frozen=True, slots=True)
class _Target:
    host: str
    port: int
    tls: bool
    head: bytes  # request line and Host header


class _Connection(asyncio.Protocol):
    """One connection to one listener; one request at a time."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[Posted, bool]] | None = None
        self._retry_after: str | None = None

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        self._fail(PostError(f"connection lost: {exc or 'closed by the listener'}"))

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(PostError(f"unparsable answer: {exc}"))
            self.abort()

    def on_message_begin(self) -> None:
        self._retry_after = None

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"retry-after":
            self._retry_after = value.decode("latin-1")

    def on_message_complete(self) -> None:
        posted = Posted(self._parser.get_status_code(), self._retry_after)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result((posted, self._parser.should_keep_alive()))

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)

    async def exchange(self, data: bytes, timeout: float) -> tuple[Posted, bool]:
        """Send one request; the answer and whether the connection may be reused."""
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        timer = loop.call_later(timeout, self._fail, PostError(f"no answer in {timeout}s"))
        self.transport.write(data)
        try:
            return await self._waiter
        finally:
            timer.cancel()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class Poster:
    """POSTs bodies to URLs, reusing keep-alive connections per host."""

    def __init__(self, timeout: float = 5.0) -> None:
        self.timeout = timeout
        self._idle: defaultdict[tuple[str, int], list[_Connection]] = defaultdict(list)
        self._targets: dict[str, _Target] = {}
        self._tls: ssl.SSLContext | None = None

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            parts = urlsplit(url)
            tls = parts.scheme == "https"
            port = parts.port or (443 if tls else 80)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            head = f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n".encode("latin-1")
            target = _Target(parts.hostname or "127.0.0.1", port, tls, head)
            if len(self._targets) < 10_000:
                self._targets[url] = target
        return target

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Posted:
        """POST `body` to `url`; raises `PostError` when no HTTP answer comes back."""
        target = self._target(url)
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        data = b"%s%scontent-length: %d\r\n\r\n%s" % (
            target.head,
            extra.encode("latin-1"),
            len(body),
            body,
        )
        connection = await self._connection(target)
        try:
            posted, reusable = await connection.exchange(data, self.timeout)
        except BaseException:
            connection.abort()
            raise
        if reusable and connection.usable:
            pool = self._idle[(target.host, target.port)]
            if len(pool) < MAX_IDLE_PER_HOST:
                pool.append(connection)
                return posted
        connection.abort()
        return posted

    async def _connection(self, target: _Target) -> _Connection:
        pool = self._idle[(target.host, target.port)]
        while pool:
            connection = pool.pop()
            if connection.usable:
                return connection
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(
                    _Connection,
                    target.host,
                    target.port,
                    ssl=self._context() if target.tls else None,
                ),
                self.timeout,
            )
        except (OSError, TimeoutError) as exc:
            raise PostError(f"cannot connect to {target.host}:{target.port}: {exc}") from None
        return connection

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def close(self) -> None:
        """Close every idle connection."""
        for pool in self._idle.values():
            for connection in pool:
                connection.abort()
        self._idle.clear()
