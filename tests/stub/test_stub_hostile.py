"""Hostile input: every bad request gets a 4xx in the contract's envelope, and the stub lives on."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import httpx
import pytest

from loadspec.stub import StubServer

from .support import GW

CHANNEL = {"business_uid": "b1", "type": "transactional"}
MESSAGE = {"channel_uid": "c", "external_uid": "e", "message": "m", "message_uid": "u"}


def _errors(response: httpx.Response) -> list[dict[str, str]]:
    body = response.json()
    assert body["success"] is False, body
    errors: list[dict[str, str]] = body["errors"]
    assert errors and all(set(e) == {"code", "message"} for e in errors)
    return errors


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b'{"business_uid": ', 400),
        (b"\xff\xfe\x00garbage", 400),
        (b'{"business_uid": NaN, "type": "promotional"}', 400),
        (b"[" * 100_000, 400),
        (b"", 422),
        (b"[]", 422),
        (b'"a string"', 422),
        (b"null", 422),
    ],
)
def test_garbage_bodies_get_an_error_envelope(
    client: httpx.Client, raw: bytes, status: int
) -> None:
    """Broken JSON is 400, JSON that is not an object (or no body) is 422."""
    response = client.post(
        f"{GW}/channels", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == status
    assert _errors(response)[0]["code"] in {"invalid", "missing"}


@pytest.mark.parametrize(
    ("body", "code", "where"),
    [
        ({**CHANNEL, "business_uid": 42}, "invalid", "$.business_uid"),
        ({**CHANNEL, "type": None}, "invalid", "$.type"),
        ({**CHANNEL, "type": "marketing"}, "invalid", "$.type"),
        ({**CHANNEL, "buisness_uid": "typo"}, "invalid", "$.buisness_uid: unknown field"),
        ({"type": "promotional"}, "missing_field", "$.business_uid"),
        ({**CHANNEL, "business_uid": ""}, "missing_field", "$.business_uid"),
        ({**CHANNEL, "display_name": "x" * 256}, "too_long", "$.display_name"),
        ({**CHANNEL, "callback_url": "ftp://127.0.0.1/"}, "invalid", "$.callback_url"),
    ],
)
def test_bodies_that_break_the_contract_are_422(
    client: httpx.Client, body: dict[str, object], code: str, where: str
) -> None:
    """Wrong types, enums, unknown fields, missing or too long values: 422 naming the field."""
    response = client.post(f"{GW}/channels", json=body)
    assert response.status_code == 422
    [error] = _errors(response)
    assert error["code"] == code and where in error["message"]


def test_every_problem_is_reported_at_once(client: httpx.Client) -> None:
    """One error per problem, so a caller fixes them all in one go."""
    body = {**MESSAGE, "message_uid": "u" * 256, "direction": "sideways", "extra": 1}
    del body["message"]
    codes = sorted(e["code"] for e in _errors(client.post(f"{GW}/messages", json=body)))
    assert codes == ["invalid", "invalid", "missing_field", "too_long"]


def _chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // 65536):
        yield b" " * 65536


def test_huge_bodies_are_413_with_or_without_content_length(client: httpx.Client) -> None:
    """A body past the limit is refused as `too_long`, whether announced or streamed."""
    announced = client.post(f"{GW}/channels", content=b"x" * (2 * 1024 * 1024))
    streamed = client.post(f"{GW}/channels", content=_chunks(2 * 1024 * 1024))
    for response in (announced, streamed):
        assert response.status_code == 413
        assert _errors(response)[0]["code"] == "too_long"


def _open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_the_stub_survives_abuse_without_leaking(stub: StubServer) -> None:
    """Garbage on the wire, dropped connections, bad requests: still healthy, no fd growth."""
    assert stub.pid is not None
    before = _open_fds(stub.pid)
    for _ in range(30):
        with socket.create_connection(("127.0.0.1", stub.port)) as raw:
            raw.sendall(b"\x00\xff NOT HTTP \r\n\r\n")
        with socket.create_connection(("127.0.0.1", stub.port)) as raw:
            raw.sendall(
                b"POST /business/communication/channels HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 100\r\n\r\n{"
            )  # then hang up mid-body
    with httpx.Client(base_url=stub.url) as http:
        for _ in range(50):
            assert http.post(f"{GW}/messages", content=b"{{{").status_code == 401
    with httpx.Client(base_url=stub.url, headers={"Authorization": f"Bearer {stub.token}"}) as http:
        health = http.get("/__stub/health")
    assert health.status_code == 200
    assert _open_fds(stub.pid) <= before + 2
    assert stub.running
