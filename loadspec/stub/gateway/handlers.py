"""The HTTP side of each contract operation: read and check the request, act, answer."""

from __future__ import annotations

import time
from typing import Any

from loadspec.stub.gateway import schemas
from loadspec.stub.gateway.clients import ClientQuery, ClientsDirectory
from loadspec.stub.gateway.http import (
    Answer,
    BadRequest,
    Request,
    dumps,
    fingerprint,
    gateway_ok,
    parse_body,
)
from loadspec.stub.gateway.lifecycle import Gateway
from loadspec.stub.gateway.ratelimit import RateLimiter
from loadspec.stub.gateway.state import (
    Channel,
    ChannelStatus,
    MessageStatus,
    Session,
    SessionStatus,
)
from loadspec.stub.gateway.validation import Issue, compile_schema, parse_query_value

__all__ = ["Handlers", "read_query"]

_V = {name: compile_schema(schema) for name, schema in schemas.REQUEST_BODIES.items()}
QuerySpec = dict[str, tuple[dict[str, Any], bool]]
_QUERY_VALIDATORS = {
    id(spec): {name: compile_schema(schema) for name, (schema, _) in spec.items()}
    for spec in (schemas.SESSIONS_QUERY, schemas.CLIENTS_QUERY)
}


def read_query(request: Request, spec: QuerySpec) -> dict[str, Any]:
    """The declared query parameters, typed and checked; raises `BadRequest` (422) otherwise."""
    issues: list[Issue] = []
    values: dict[str, Any] = {}
    validators = _QUERY_VALIDATORS[id(spec)]
    for name, (schema, required) in spec.items():
        raw = request.query.get(name)
        if raw is None:
            if required:
                issues.append(Issue("missing_field", f"query parameter {name} is required"))
            continue
        if len(raw) > 1:
            issues.append(Issue("invalid", f"query parameter {name} is given {len(raw)} times"))
            continue
        value = parse_query_value(raw[0], schema)
        if value is None:
            issues.append(Issue("invalid", f"query parameter {name}: expected {schema['type']}"))
            continue
        validators[name](value, f"query parameter {name}", issues)
        values[name] = value
    if issues:
        raise BadRequest(422, issues)
    return values


def _missing(what: str, uid: str) -> BadRequest:
    return BadRequest(404, [Issue("missing", f"{what} {uid!r} not found")])


class Handlers:
    """One method per contract operation; each returns a `Answer` or raises `BadRequest`."""

    def __init__(self, gateway: Gateway, clients: ClientsDirectory, limiter: RateLimiter) -> None:
        self._gateway = gateway
        self._store = gateway.store
        self._clients = clients
        self._limiter = limiter
        self._default_business = gateway.config.default_business_uid

    def _throttle(self, business_uid: str) -> None:
        wait = self._limiter.retry_after(business_uid)
        if wait is not None:
            message = (
                f"rate limit of {self._limiter.rate:g} requests per second exceeded for "
                f"business {business_uid!r}; retry after {wait}s"
            )
            raise BadRequest(
                429, [Issue("unexpected", message)], ((b"retry-after", str(wait).encode()),)
            )

    def _channel(self, uid: str) -> Channel:
        channel = self._store.channels.get(uid)
        if channel is None:
            raise _missing("channel", uid)
        channel.used = time.monotonic()
        return channel

    def _session(self, uid: str) -> Session:
        session = self._store.sessions.get(uid)
        if session is None:
            raise _missing("session", uid)
        return session

    def create_channel(self, request: Request) -> Answer:
        body = parse_body(request.body, _V["CreateChannelDto"])
        self._throttle(body["business_uid"])
        channel = self._gateway.create_channel(body)
        return gateway_ok({"channel": channel.view()}, 201)

    def get_channel(self, request: Request) -> Answer:
        channel = self._channel(request.params["uid"])
        self._throttle(channel.business_uid)
        return gateway_ok({"channel": channel.view()})

    def update_channel(self, request: Request) -> Answer:
        body = parse_body(request.body, _V["UpdateChannelDto"])
        channel = self._channel(request.params["uid"])
        self._throttle(channel.business_uid)
        self._gateway.update_channel(channel, body)
        return gateway_ok({"channel": channel.view()})

    def delete_channel(self, request: Request) -> Answer:
        channel = self._channel(request.params["uid"])
        self._throttle(channel.business_uid)
        self._gateway.delete_channel(channel)
        return gateway_ok({})

    def create_message(self, request: Request) -> Answer:
        body = parse_body(request.body, _V["CreateMessageDto"])
        channel = self._channel(body["channel_uid"])
        self._throttle(channel.business_uid)
        key = fingerprint(body)
        existing = channel.messages.get(body["message_uid"])
        if existing is not None:
            if existing.fingerprint != key:
                raise BadRequest(
                    409,
                    [
                        Issue(
                            "duplicate",
                            f"message_uid {existing.message_uid!r} "
                            "is already used on this channel by another message",
                        )
                    ],
                )
            return gateway_ok({"message": existing.view()}, 200)
        _require_active(channel)
        message = self._gateway.add_message(channel, body, key)
        return gateway_ok({"message": message.view()}, 201)

    def update_message(self, request: Request) -> Answer:
        body = parse_body(request.body, _V["UpdateMessageDto"])
        key = request.params["messageUid"]
        # The gateway's own message uid is global; a caller's message_uid is per channel.
        message = self._store.messages.get(key)
        if message is None:
            message = self._channel(body["channel_uid"]).messages.get(key)
        if message is None:
            raise _missing("message", key)
        self._throttle(message.channel.business_uid)
        self._gateway.set_message_status(message, MessageStatus(body["status"]))
        return gateway_ok({"message": message.view()})

    def list_sessions(self, request: Request) -> Answer:
        query = read_query(request, schemas.SESSIONS_QUERY)
        self._throttle(query["business_uid"])
        channel = self._store.channels.get(query["channel_uid"])
        found = (
            []
            if channel is None or channel.business_uid != query["business_uid"]
            else [
                s.view()
                for s in self._store.sessions.values()
                if s.channel is channel and query.get("contact_uid") in (None, s.contact_uid)
            ]
        )
        return gateway_ok({"sessions": found})

    def create_session(self, request: Request) -> Answer:
        body = parse_body(request.body, _V["CreateSessionDto"])
        self._throttle(body["business_uid"])
        channel = self._channel(body["channel_uid"])
        if channel.business_uid != body["business_uid"]:
            raise _missing("channel", f"{channel.uid} of business {body['business_uid']}")
        _require_active(channel)
        session = self._gateway.add_session(channel, body)
        return gateway_ok({"session": session.view()}, 201)

    def update_session(self, request: Request) -> Answer:
        body = parse_body(request.body, _V["UpdateSessionDto"])
        session = self._session(request.params["uid"])
        self._throttle(session.channel.business_uid)
        if "ai_status" in body:
            session.ai_status = body["ai_status"]
        if "status" in body:
            self._gateway.set_session_status(session, SessionStatus(body["status"]))
        return gateway_ok({"session": session.view()})

    def delete_session(self, request: Request) -> Answer:
        session = self._session(request.params["uid"])
        self._throttle(session.channel.business_uid)
        self._gateway.set_session_status(session, SessionStatus.DELETED)
        return gateway_ok({})

    def typing(self, request: Request) -> Answer:
        body = parse_body(request.body, _V["TypingDto"])
        session = self._session(body["session_uid"])
        self._throttle(session.channel.business_uid)
        if session.status is not SessionStatus.ACTIVE:
            raise BadRequest(
                409,
                [
                    Issue(
                        "invalid",
                        f"session {session.uid!r} is "
                        f"{session.status.value}; typing needs an active session",
                    )
                ],
            )
        return gateway_ok({})

    def list_clients(self, request: Request) -> Answer:
        query = read_query(request, schemas.CLIENTS_QUERY)
        business = (
            query.get("business_id") or request.header(b"x-on-behalf-of") or self._default_business
        )
        self._throttle(business)
        clients = self._clients.page(
            ClientQuery(
                business_uid=business,
                page=query.get("page", 1),
                per_page=query.get("per_page", 25),
                search_term=query.get("search_term"),
                search_by=query.get("search_by"),
            )
        )
        payload = {"status": "OK", "data": {"clients": clients}}
        return Answer(200, dumps(payload), payload=payload)


def _require_active(channel: Channel) -> None:
    if channel.status is not ChannelStatus.ACTIVE:
        raise BadRequest(
            409,
            [
                Issue(
                    "invalid",
                    f"channel {channel.uid!r} is "
                    f"{channel.status.value}; it must be active (channels are "
                    "activated asynchronously, announced by a channel.status "
                    "callback)",
                )
            ],
        )
