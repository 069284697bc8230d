"""HTTP/1.1 on the wire: pipelining, 100-continue, HEAD, HTTP/1.0, chunked bodies, garbage."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator

import pytest

from loadspec.stub import Faults, ServerKind, StubServer, parse_delay

CLIENTS = "/platform/v1/clients"
CHANNELS = "/business/communication/channels"


class Wire:
    """A raw client connection that reads responses one by one, pipelined or not."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        self.buffer += chunk
        return bool(chunk)

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            assert self._fill(), "connection closed"
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def response(self, head_only: bool = False) -> tuple[int, dict[str, str], bytes]:
        while b"\r\n\r\n" not in self.buffer:
            assert self._fill(), "connection closed"
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, v in (h.split(":", 1) for h in lines)}
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            assert self._fill(), "connection closed mid-body"
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return int(status_line.split()[1]), headers, body

    def closed(self) -> bool:
        try:
            return not self._fill()
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def wire(stub: StubServer) -> Iterator[Wire]:
    connection = Wire(stub.port)
    try:
        yield connection
    finally:
        connection.close()


def _get(path: str, token: str, extra: str = "") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n{extra}\r\n".encode()
    )


def _post(path: str, token: str, body: bytes, extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    ).encode() + body


def test_pipelined_requests_are_answered_in_order(wire: Wire, stub: StubServer) -> None:
    """Three requests in one packet, three answers in the same order."""
    wire.send(
        _get(f"{CLIENTS}?per_page=3", stub.token)
        + _get(f"{CHANNELS}/nope", stub.token)
        + _get(f"{CLIENTS}?per_page=2", stub.token)
    )
    first, second, third = wire.response(), wire.response(), wire.response()
    assert [first[0], second[0], third[0]] == [200, 404, 200]
    assert len(json.loads(first[2])["data"]["clients"]) == 3
    assert len(json.loads(third[2])["data"]["clients"]) == 2


def test_expect_100_continue_is_honoured(wire: Wire, stub: StubServer) -> None:
    """curl's `Expect: 100-continue` for big bodies gets its interim answer at once."""
    body = json.dumps(
        {"business_uid": "b", "type": "promotional", "display_name": "x" * 200}
    ).encode()
    head = _post(CHANNELS, stub.token, b"", "Expect: 100-continue\r\n")
    wire.send(head.replace(b"Content-Length: 0", f"Content-Length: {len(body)}".encode()))
    assert wire.line() == b"HTTP/1.1 100 Continue"
    assert wire.line() == b""
    wire.send(body)
    assert wire.response()[0] == 201


def test_head_gets_a_head_without_body_and_the_connection_lives_on(
    wire: Wire, stub: StubServer
) -> None:
    """HEAD is not in the contract (405), answered without a body; keep-alive holds."""
    wire.send(_get(CLIENTS, stub.token).replace(b"GET", b"HEAD", 1))
    status, headers, _ = wire.response(head_only=True)
    assert status == 405 and "GET" in headers["allow"]
    wire.send(_get(CLIENTS, stub.token))
    assert wire.response()[0] == 200


def test_http_1_0_closes_after_the_answer(wire: Wire, stub: StubServer) -> None:
    """Without keep-alive, the answer is followed by a close."""
    wire.send(_get(CLIENTS, stub.token).replace(b"HTTP/1.1", b"HTTP/1.0", 1))
    assert wire.response()[0] == 200
    assert wire.closed()


def test_chunked_bodies_are_read_and_capped(wire: Wire, stub: StubServer) -> None:
    """A chunked body is reassembled; one past the limit is a 413 and a close."""
    body = json.dumps({"business_uid": "b", "type": "promotional"}).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (
        f"POST {CHANNELS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {stub.token}\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    wire.send(head + chunked)
    assert wire.response()[0] == 201
    wire.send(head)
    big = b"x" * 65536
    with contextlib.suppress(OSError):  # the stub may hang up while we are still sending
        for _ in range(40):
            wire.send(b"%x\r\n%s\r\n" % (len(big), big))
    assert wire.response()[0] == 413


def test_garbage_is_a_400_in_the_envelope_then_a_close(stub: StubServer) -> None:
    """Bytes that are not HTTP get the gateway's error envelope (own front end) and a close."""
    wire = Wire(stub.port)
    try:
        wire.send(b"\x16\x03\x01 this is not http\r\n\r\n")
        status, _, body = wire.response()
        assert status == 400
        if stub.config.server is ServerKind.HTTPTOOLS:
            assert json.loads(body)["errors"][0]["code"] == "invalid"
        assert wire.closed()
    finally:
        wire.close()


def test_latency_keeps_pipelined_answers_in_order() -> None:
    """Random per-request latency must not reorder answers on one connection."""
    faults = Faults(latency=parse_delay("uniform:0:40"))
    with StubServer(faults=faults, seed=11) as stub:
        wire = Wire(stub.port)
        try:
            wire.send(b"".join(_get(f"{CLIENTS}?per_page={n}", stub.token) for n in range(1, 11)))
            sizes = [len(json.loads(wire.response()[2])["data"]["clients"]) for _ in range(10)]
        finally:
            wire.close()
    assert sizes == list(range(1, 11))
