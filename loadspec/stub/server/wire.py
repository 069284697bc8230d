"""The stub's default HTTP/1.1 front end: an asyncio Protocol, httptools' parser, uvloop's loop.

The parser and the loop are uvicorn's own; what this module drops is the ASGI layer (a task
and four message dicts per request, and two writes per response), which cost more CPU than
the whole gateway. Keep-alive, pipelining (answers stay in order), `Expect: 100-continue`,
body and head limits, flow control, idle timeouts, a deadline for each request's head
and graceful shutdown are handled here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import deque
from http import HTTPStatus
from typing import cast
from urllib.parse import unquote

import httptools

from loadspec.stub.gateway.faults import RESET
from loadspec.stub.gateway.front import Application
from loadspec.stub.gateway.http import Answer, Request, gateway_error
from loadspec.stub.gateway.validation import Issue
from loadspec.stub.server.resets import reset_connection

__all__ = ["WireServer", "render"]

IDLE_TIMEOUT = 30.0  # seconds a keep-alive connection may sit idle
DRAIN_TIMEOUT = 2.0  # seconds in-flight answers get at shutdown
_STATUS_LINES = {s.value: f"HTTP/1.1 {s.value} {s.phrase}\r\n".encode() for s in HTTPStatus}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_BUG = Issue("unexpected", "the stub failed on this request (see its log)")
log = logging.getLogger("loadspec.stub")


def render(reply: Answer, keep_alive: bool, head_only: bool = False) -> bytes:
    """The whole HTTP/1.1 response, head and body, as one buffer (one write, one syscall)."""
    status = _STATUS_LINES.get(reply.status) or b"HTTP/1.1 %d Status\r\n" % reply.status
    parts = [
        status,
        b"content-type: application/json\r\ncontent-length: ",
        str(len(reply.body)).encode(),
        b"\r\n",
    ]
    for name, value in reply.headers:
        parts += (name, b": ", value, b"\r\n")
    if not keep_alive and not any(name == b"connection" for name, _ in reply.headers):
        parts.append(b"connection: close\r\n")
    parts.append(b"\r\n")
    if not head_only:
        parts.append(reply.body)
    return b"".join(parts)


class _Slot:
    """One answer waiting for its turn on a connection (answers leave in request order)."""

    __slots__ = ("close", "data", "ready", "reset")

    def __init__(self, data: bytes, close: bool, reset: bool, ready: bool) -> None:
        self.data, self.close, self.reset, self.ready = data, close, reset, ready


class _Connection(asyncio.Protocol):
    """One client connection; httptools calls the `on_*` methods while `feed_data` parses."""

    def __init__(self, server: WireServer) -> None:
        self._server = server
        self._dispatcher = server.dispatcher
        config = server.dispatcher.config
        self._limit = config.max_body
        self._head_limit = config.max_header_bytes
        self._max_headers = config.max_headers
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._queue: deque[_Slot] = deque()
        self._url = b""
        self._headers: dict[bytes, bytes] = {}
        self._body: list[bytes] = []
        self._size = 0
        self._too_big = False
        self._closing = False
        self._head_size = 0
        self._header_count = 0
        self._completed = False  # a request ended within the chunk being parsed
        self.idle_since = 0.0
        self.head_since = 0.0  # when the head being read began; 0 between requests

    @property
    def busy(self) -> bool:
        return bool(self._queue)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is no asyncio subclass
        self._server.connections.add(self)
        self.idle_since = self._server.loop.time()

    def connection_lost(self, exc: Exception | None) -> None:
        self._server.connections.discard(self)
        self._transport = None
        self._queue.clear()

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        self.idle_since = self._server.loop.time()
        before = self._head_size if self.head_since else 0
        self._completed = False
        try:
            self._parser.feed_data(data)
            if self.head_since and not self._completed:
                # Nothing ended in this chunk, so all of it is the unfinished head: counting
                # it whole catches one never-ending header, which httptools buffers silently.
                self._grow_head(max(before + len(data) - self._head_size, 0))
        except httptools.HttpParserUpgrade:
            self._closing = True  # answered as plain HTTP; the upgraded bytes are not ours
            self._enqueue(None, keep_alive=False)
        except httptools.HttpParserError as exc:
            self._enqueue(self._dispatcher.malformed(str(exc) or "unparsable"), keep_alive=False)

    def pause_writing(self) -> None:
        if self._transport is not None:
            self._transport.pause_reading()  # a client that does not read gets no more answers

    def resume_writing(self) -> None:
        if self._transport is not None:
            self._transport.resume_reading()

    def on_message_begin(self) -> None:
        self._url, self._headers, self._body, self._size, self._too_big = b"", {}, [], 0, False
        self._head_size, self._header_count = 0, 0
        self.head_since = self.idle_since

    def on_url(self, url: bytes) -> None:
        self._url += url
        self._grow_head(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers[name.lower()] = value
        self._header_count += 1
        if self._header_count > self._max_headers:
            self._refuse_head(431, f"more than {self._max_headers} request headers")
        else:
            self._grow_head(len(name) + len(value) + 4)

    def _grow_head(self, size: int) -> None:
        self._head_size += size
        if self._head_size > self._head_limit:
            self._refuse_head(431, f"request headers larger than {self._head_limit} bytes")

    def _refuse_head(self, status: int, reason: str) -> None:
        if not self._closing:
            self.head_since = 0.0
            self._enqueue(self._dispatcher.head_refused(status, reason), keep_alive=False)

    def on_headers_complete(self) -> None:
        self.head_since = 0.0
        if self._closing:
            return
        length = self._headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self._limit:
            self._reject_body()
        elif self._headers.get(b"expect", b"").lower() == b"100-continue" and not self._queue:
            assert self._transport is not None
            self._transport.write(_CONTINUE)

    def on_body(self, chunk: bytes) -> None:
        if self._too_big or self._closing:
            return
        self._size += len(chunk)
        if self._size > self._limit:
            self._reject_body()
        else:
            self._body.append(chunk)

    def _reject_body(self) -> None:
        # Answer at once and hang up: reading the rest of a huge body is what the limit avoids.
        self._too_big, self._body = True, []
        self._enqueue(self._dispatcher.too_large(self._path()[0]), keep_alive=False)

    def on_message_complete(self) -> None:
        self._completed = True
        if self._too_big or self._closing:
            return
        method = self._parser.get_method().decode("ascii", "replace")
        keep_alive = self._parser.should_keep_alive()
        try:
            path, raw_path, query = self._path()
        except httptools.HttpParserInvalidURLError:
            self._enqueue(self._dispatcher.malformed("invalid request target"), keep_alive=False)
            return
        request = Request(method, path, raw_path, query, self._headers, b"".join(self._body))
        try:
            reply = self._dispatcher.handle(request)
        except Exception:
            log.exception("bug while serving %s %s", method, path)
            reply = gateway_error(500, [_BUG])
        self._enqueue(reply, keep_alive, method == "HEAD", self._dispatcher.latency())

    def _path(self) -> tuple[str, str, bytes]:
        url = httptools.parse_url(self._url)
        raw_path = (url.path or b"/").decode("latin-1")
        path = unquote(raw_path) if "%" in raw_path else raw_path
        return path, raw_path, url.query or b""

    def _enqueue(
        self, reply: Answer | None, keep_alive: bool, head_only: bool = False, delay: float = 0.0
    ) -> None:
        """Send `reply` (None: nothing, just close) once the answers before it have left."""
        reset = reply is RESET
        data = b"" if reply is None or reset else render(reply, keep_alive, head_only)
        if not keep_alive:
            self._closing = True
        slot = _Slot(data, not keep_alive, reset, ready=delay <= 0)
        if slot.ready and not self._queue:
            self._write(slot)
            return
        self._queue.append(slot)
        if not slot.ready:
            self._server.loop.call_later(delay, self._ready, slot)
        self._flush()

    def _ready(self, slot: _Slot) -> None:
        slot.ready = True
        self._flush()

    def _flush(self) -> None:
        while self._queue and self._queue[0].ready:
            self._write(self._queue.popleft())

    def _write(self, slot: _Slot) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if slot.reset:
            reset_connection(transport)
            return
        if slot.data:
            transport.write(slot.data)
        if slot.close:
            transport.close()

    def too_slow(self) -> None:
        """Cut off a client whose request head is taking longer than `header_timeout`."""
        self._refuse_head(408, "request headers did not arrive in time")

    def shut(self, force: bool = False) -> None:
        """Close now if idle (or `force`), else once the answers in flight have left."""
        self._closing = True
        if self._transport is None:
            return
        if force:
            self._transport.abort()
        elif not self._queue:
            self._transport.close()
        else:
            self._queue.append(_Slot(b"", close=True, reset=False, ready=True))
            self._flush()


class WireServer:
    """Serves a `Dispatcher` on a listening socket until `stop()`."""

    def __init__(self, dispatcher: Application, loop: asyncio.AbstractEventLoop) -> None:
        self.dispatcher = dispatcher
        self.loop = loop
        self.connections: set[_Connection] = set()
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        self._stopped.set()

    async def serve(self, sock: socket.socket, started: asyncio.Event) -> None:
        """Accept on `sock`, set `started`, and serve until `stop()`; then drain and close."""
        server = await self.loop.create_server(lambda: _Connection(self), sock=sock)
        started.set()
        sweeper = self.loop.create_task(self._sweep())
        try:
            await self._stopped.wait()
        finally:
            sweeper.cancel()
            server.close()
            await self._drain()
            await self.dispatcher.callbacks.aclose()

    async def _sweep(self) -> None:
        header_timeout = self.dispatcher.config.header_timeout
        while True:
            await asyncio.sleep(min(IDLE_TIMEOUT / 6, header_timeout / 4))
            now = self.loop.time()
            idle_cutoff, head_cutoff = now - IDLE_TIMEOUT, now - header_timeout
            for connection in list(self.connections):
                if connection.head_since and connection.head_since < head_cutoff:
                    connection.too_slow()
                elif not connection.busy and connection.idle_since < idle_cutoff:
                    connection.shut()

    async def _drain(self) -> None:
        for connection in list(self.connections):
            connection.shut()
        deadline = self.loop.time() + DRAIN_TIMEOUT
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.02)
        for connection in list(self.connections):
            with contextlib.suppress(Exception):
                connection.shut(force=True)
