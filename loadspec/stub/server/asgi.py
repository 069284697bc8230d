"""The stub as an ASGI application, for uvicorn (`--server uvicorn`) or any ASGI server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from loadspec.stub.gateway.faults import RESET
from loadspec.stub.gateway.front import Application
from loadspec.stub.gateway.http import Answer, Request
from loadspec.stub.server.resets import reset_connection

__all__ = ["AsgiApp"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class _TooLarge(Exception):
    pass


class AsgiApp:
    """ASGI 3 application over a `Dispatcher`; closes the callback client on shutdown."""

    def __init__(self, dispatcher: Application) -> None:
        self.dispatcher = dispatcher

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    def _head_refused(self, headers: list[tuple[bytes, bytes]]) -> Answer | None:
        # uvicorn has read the head already; the limits still answer what the wire server does.
        config = self.dispatcher.config
        if len(headers) > config.max_headers:
            return self.dispatcher.head_refused(
                431, f"more than {config.max_headers} request headers"
            )
        if sum(len(n) + len(v) + 4 for n, v in headers) > config.max_header_bytes:
            reason = f"request headers larger than {config.max_header_bytes} bytes"
            return self.dispatcher.head_refused(431, reason)
        return None

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.dispatcher.callbacks.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        refused = self._head_refused(scope["headers"])
        if refused is not None:
            await _send(send, refused)
            return
        headers = dict(scope["headers"])
        try:
            body = await _read_body(receive, headers, self.dispatcher.config.max_body)
        except _TooLarge:
            await _send(send, self.dispatcher.too_large(path))
            return
        raw: bytes | None = scope.get("raw_path")
        request = Request(
            scope["method"],
            path,
            path if raw is None else raw.decode("latin-1"),
            scope["query_string"],
            headers,
            body,
        )
        reply = self.dispatcher.handle(request)
        delay = self.dispatcher.latency()
        if delay:
            await asyncio.sleep(delay)
        if reply is RESET:
            # ASGI cannot reset a connection; uvicorn's transport is reached through `send`.
            transport = getattr(getattr(send, "__self__", None), "transport", None)
            if transport is not None:
                reset_connection(transport)
                return
        await _send(send, reply)


async def _read_body(receive: Receive, headers: dict[bytes, bytes], limit: int) -> bytes:
    declared = headers.get(b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        more = bool(message.get("more_body"))
    return b"".join(chunks)


async def _send(send: Send, reply: Answer) -> None:
    await send(
        {"type": "http.response.start", "status": reply.status, "headers": reply.all_headers()}
    )
    await send({"type": "http.response.body", "body": reply.body})
