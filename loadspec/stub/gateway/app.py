"""The stub's front door, whatever the server: a tiny router, Bearer auth, faults, counters.

`Dispatcher.handle` turns one fully read `Request` into one `Answer`, synchronously; the server
front ends (`loadspec.stub.server.wire`, `loadspec.stub.server.asgi`) only move bytes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from loadspec.stub.config import StubConfig
from loadspec.stub.gateway.callbacks import CallbackSender
from loadspec.stub.gateway.clients import ClientsDirectory
from loadspec.stub.gateway.faults import FaultInjector
from loadspec.stub.gateway.front import Served
from loadspec.stub.gateway.handlers import Handlers
from loadspec.stub.gateway.http import (
    Answer,
    BadRequest,
    Request,
    clients_error,
    dumps,
    gateway_error,
)
from loadspec.stub.gateway.lifecycle import Gateway
from loadspec.stub.gateway.ratelimit import RateLimiter
from loadspec.stub.gateway.validation import Issue
from loadspec.stub.served import CLIENTS_BASE, GATEWAY_BASE

__all__ = ["CLIENTS_BASE", "GATEWAY_BASE", "Dispatcher"]

Handler = Callable[[Request], Answer]
ErrorEnvelope = Callable[..., Answer]
_UNAUTHORIZED = Issue(
    "unauthorized", "missing or unknown staff token: send 'Authorization: Bearer <token>'"
)
_CHALLENGE = ((b"www-authenticate", b'Bearer realm="loadspec-stub"'),)


@dataclass(frozen=True, slots=True)
class Route:
    """One contract path: its methods and which API's error envelope it answers with.

    Attributes:
        segments: the path split on `/`; `{name}` segments match any one segment.
        methods: handler by method.
        error: the envelope builder of its API.
    """

    segments: tuple[str, ...]
    methods: Mapping[str, Handler]
    error: ErrorEnvelope

    @property
    def allow(self) -> bytes:
        return ", ".join(sorted(self.methods)).encode()


class Router:
    """Exact paths first (so `/sessions/typing` never reads as a session uid), then templates."""

    def __init__(self, routes: Mapping[str, Route]) -> None:
        self._exact = {path: r for path, r in routes.items() if "{" not in path}
        self._templated = [r for path, r in routes.items() if "{" in path]

    def operations(self) -> dict[str, frozenset[str]]:
        """Path template -> methods, every route."""
        routes = [*self._exact.values(), *self._templated]
        return {"/".join(r.segments): frozenset(r.methods) for r in routes}

    def match(self, path: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route of `path`; templates bind `raw_path` segments, so `%2F` stays in its one."""
        route = self._exact.get(path)
        if route is not None:
            return route, {}
        parts = raw_path.split("/")
        for route in self._templated:
            params = _bind(route.segments, parts)
            if params is not None:
                return route, params
        return None


def _bind(segments: tuple[str, ...], parts: list[str]) -> dict[str, str] | None:
    if len(segments) != len(parts):
        return None
    params: dict[str, str] = {}
    for segment, part in zip(segments, parts, strict=True):
        if segment.startswith("{"):
            if not part:
                return None
            params[segment[1:-1]] = unquote(part)
        elif segment != part:
            return None
    return params


def _routes(h: Handlers) -> dict[str, Route]:
    table: dict[str, tuple[dict[str, Handler], ErrorEnvelope]] = {
        f"{GATEWAY_BASE}/channels": ({"POST": h.create_channel}, gateway_error),
        f"{GATEWAY_BASE}/channels/{{uid}}": (
            {"GET": h.get_channel, "PUT": h.update_channel, "DELETE": h.delete_channel},
            gateway_error,
        ),
        f"{GATEWAY_BASE}/messages": ({"POST": h.create_message}, gateway_error),
        f"{GATEWAY_BASE}/messages/{{messageUid}}": ({"PUT": h.update_message}, gateway_error),
        f"{GATEWAY_BASE}/sessions": (
            {"GET": h.list_sessions, "POST": h.create_session},
            gateway_error,
        ),
        f"{GATEWAY_BASE}/sessions/typing": ({"POST": h.typing}, gateway_error),
        f"{GATEWAY_BASE}/sessions/{{uid}}": (
            {"PUT": h.update_session, "DELETE": h.delete_session},
            gateway_error,
        ),
        f"{CLIENTS_BASE}/clients": ({"GET": h.list_clients}, clients_error),
    }
    return {p: Route(tuple(p.split("/")), m, e) for p, (m, e) in table.items()}


class Dispatcher(Served):
    """The embedded gateway and clients API behind any HTTP front end."""

    internal = "/__stub/"

    def __init__(self, config: StubConfig) -> None:
        rng = random.Random(config.seed)
        super().__init__(FaultInjector(config.faults, rng))
        self.config = config
        self.callbacks = CallbackSender(config, rng)
        self.gateway = Gateway(config, rng, self.callbacks)
        handlers = Handlers(
            self.gateway,
            ClientsDirectory(config.clients_per_business, config.seed),
            RateLimiter(config.rate_limit),
        )
        self._router = Router(_routes(handlers))
        self._tokens = frozenset(t.encode() for t in config.tokens)

    def operations(self) -> dict[str, frozenset[str]]:
        """Path template -> methods: what this gateway routes (`stub.served` must say so)."""
        return self._router.operations()

    def too_large(self, path: str) -> Answer:
        """The 413 for a body past `max_body`, in the envelope of the API `path` belongs to."""
        error = clients_error if path.startswith(CLIENTS_BASE) else gateway_error
        issue = Issue("too_long", f"request body is larger than {self.config.max_body} bytes")
        self._count(413)
        return error(413, [issue], ((b"connection", b"close"),))

    def head_refused(self, status: int, reason: str) -> Answer:
        """The 431 (head too large) or 408 (head too slow) that ends a connection."""
        code = "too_long" if status == 431 else "timeout"
        self._count(status)
        return gateway_error(status, [Issue(code, reason)], ((b"connection", b"close"),))

    def malformed(self, reason: str) -> Answer:
        """The 400 for bytes that are not an HTTP request (the connection is closed after)."""
        return gateway_error(
            400,
            [Issue("invalid", f"malformed HTTP request: {reason}")],
            ((b"connection", b"close"),),
        )

    def _serve(self, request: Request) -> Answer:
        path = request.path
        matched = self._router.match(path, request.raw_path)
        if matched is None:
            error = clients_error if path.startswith(CLIENTS_BASE) else gateway_error
            return error(404, [Issue("missing", f"no such path: {path}")])
        route, request.params = matched
        handler = route.methods.get(request.method)
        if handler is None:
            allowed = route.allow.decode()
            text = f"method {request.method} not allowed on {path}; allowed: {allowed}"
            return route.error(405, [Issue("invalid", text)], ((b"allow", route.allow),))
        if not self._authorized(request.headers.get(b"authorization")):
            return route.error(401, [_UNAUTHORIZED], _CHALLENGE)
        if self._faults.active and self._faults.error():
            return route.error(500, [self._faults.error_issue()])
        try:
            return handler(request)
        except BadRequest as exc:
            return route.error(exc.status, exc.issues, exc.headers)

    def _authorized(self, value: bytes | None) -> bool:
        if value is None or value[:7].lower() != b"bearer ":
            return False
        return value[7:].strip() in self._tokens

    def _internal(self, request: Request) -> Answer:
        path = request.path
        if path == "/__stub/health":
            return Answer(200, b'{"status":"ok"}')
        if path == "/__stub/stats":
            return Answer(200, dumps(self.stats()))
        return gateway_error(404, [Issue("missing", f"no such path: {path}")])

    def stats(self) -> dict[str, Any]:
        """What the stub has done so far (served at `GET /__stub/stats`, outside the contract)."""
        store = self.gateway.store
        return {
            "requests": self.served,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "channels": len(store.channels),
            "messages": len(store.messages),
            "sessions": len(store.sessions),
            "evicted": dict(store.evicted),
            "created": dict(self.gateway.created),
            "callbacks": self.callbacks.stats.as_dict(),
        }
