"""Requests and replies as the stub's handlers see them, and the two APIs' envelopes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

import orjson

from loadspec.stub.gateway.validation import Issue, Validator

__all__ = [
    "Answer",
    "BadRequest",
    "Request",
    "clients_error",
    "dumps",
    "fingerprint",
    "gateway_error",
    "gateway_ok",
    "parse_body",
    "parse_query",
]

Headers = tuple[tuple[bytes, bytes], ...]
_JSON = (b"content-type", b"application/json")
# The stdlib's encoder, for what orjson refuses (a lone surrogate from a query string, an
# integer past 64 bits); ASCII output escapes them, so the answer is still valid UTF-8 JSON.
_fallback = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


def dumps(value: Any) -> bytes:
    """Compact JSON bytes (orjson: the stub's hottest path after the socket)."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return _fallback(value).encode("ascii")


def fingerprint(value: Any) -> bytes:
    """A 16-byte digest of `value`'s canonical JSON (sorted keys), to tell two bodies apart."""
    # Never keep orjson's output itself: its bytes hold a 4 KB allocation whatever their length.
    return hashlib.blake2b(
        orjson.dumps(value, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).digest()


@dataclass(slots=True)
class Request:
    """One HTTP request, its body already read, as any server front end hands it over.

    Attributes:
        method: upper-case method.
        path: the percent-decoded path.
        raw_path: the path as sent (so that `%2F` inside one segment stays there).
        query_string: the raw query string, parsed on first use of `query`.
        headers: headers by lower-case name (the last one wins when repeated).
        body: the raw body.
        params: the values of the route's `{name}` segments (set by the router).
    """

    method: str
    path: str
    raw_path: str
    query_string: bytes
    headers: dict[bytes, bytes]
    body: bytes = b""
    params: dict[str, str] = field(default_factory=dict)
    _query: dict[str, list[str]] | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        """Each query parameter's values, in order."""
        if self._query is None:
            self._query = parse_query(self.query_string.decode("latin-1"))
        return self._query

    def header(self, name: bytes) -> str | None:
        value = self.headers.get(name)
        return None if value is None else value.decode("latin-1")


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer: status, JSON body, extra headers.

    Attributes:
        status: the HTTP status.
        body: the encoded body.
        headers: extra headers (content-type is always JSON).
        payload: the body before encoding, kept for faults that rewrite answers.
    """

    status: int
    body: bytes
    headers: Headers = ()
    payload: Any = None

    def all_headers(self) -> list[tuple[bytes, bytes]]:
        return [_JSON, (b"content-length", str(len(self.body)).encode()), *self.headers]


class BadRequest(Exception):
    """A request refused; the app turns it into the error envelope of the API it was sent to."""

    def __init__(self, status: int, issues: Sequence[Issue], headers: Headers = ()) -> None:
        self.status = status
        self.issues = tuple(issues)
        self.headers = headers
        super().__init__("; ".join(i.message for i in issues))


def parse_query(raw: str) -> dict[str, list[str]]:
    """`urllib.parse.parse_qs(raw, keep_blank_values=True)`, decoding only what needs it."""
    query: dict[str, list[str]] = {}
    for part in raw.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in part or "+" in part:
            name, value = unquote_plus(name), unquote_plus(value)
        query.setdefault(name, []).append(value)
    return query


def gateway_ok(data: dict[str, Any], status: int = 200) -> Answer:
    """`{success: true, data}`."""
    payload = {"success": True, "data": data}
    return Answer(status, dumps(payload), payload=payload)


def gateway_error(status: int, issues: Sequence[Issue], headers: Headers = ()) -> Answer:
    """`{success: false, errors: [{code, message}, ...]}`."""
    errors = [{"code": i.code, "message": i.message} for i in issues]
    payload = {"success": False, "errors": errors}
    return Answer(status, dumps(payload), headers, payload)


def clients_error(status: int, issues: Sequence[Issue], headers: Headers = ()) -> Answer:
    """`{status: "Error", error: "..."}`, the clients API's error envelope."""
    payload = {"status": "Error", "error": "; ".join(i.message for i in issues)}
    return Answer(status, dumps(payload), headers, payload)


def parse_body(body: bytes, validator: Validator) -> dict[str, Any]:
    """The body as a JSON object valid against `validator`; raises `BadRequest` otherwise."""
    if not body.strip():
        raise BadRequest(422, [Issue("missing", "request body is missing: expected a JSON object")])
    try:
        # orjson is strict where the stdlib is lenient: no NaN or Infinity, UTF-8 only, no lone
        # surrogates, a depth limit. Each of those is a 400, never a crash.
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        issue = Issue("invalid", f"request body is not valid JSON: {exc}")
        raise BadRequest(400, [issue]) from None
    if not isinstance(value, dict):
        raise BadRequest(422, [Issue("invalid", "request body must be a JSON object")])
    issues: list[Issue] = []
    validator(value, "$", issues)
    if issues:
        raise BadRequest(422, issues)
    return value
