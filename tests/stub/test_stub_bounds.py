"""Bounded for soaks and hostile clients: state is evicted, heads are capped and timed."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from loadspec.stub import ServerKind, StubConfig, StubServer, parse_delay
from loadspec.stub.gateway.app import Dispatcher
from loadspec.stub.gateway.http import Request, fingerprint
from loadspec.stub.gateway.state import (
    Channel,
    ChannelStatus,
    Message,
    Retention,
    Store,
)

from .support import GW

MESSAGES = f"{GW}/messages"


def _message(channel: Channel, uid: str, born: float | None = None) -> Message:
    message = Message(channel, uid, b"", "business_to_client")
    if born is not None:
        message.born = born
    return message


def test_messages_past_the_count_are_evicted_oldest_first() -> None:
    """A soak keeps at most `messages` of them; the oldest go, on their channel too, counted."""
    store = Store(Retention(channels=10, messages=5, seconds=0))
    channel = store.add_channel(Channel("b", "transactional", "", None))
    for i in range(12):
        store.add_message(_message(channel, f"m{i}"))
    assert list(channel.messages) == [f"m{i}" for i in range(7, 12)]
    assert len(store.messages) == 5 and store.evicted["messages"] == 7


def test_old_messages_and_idle_channels_are_evicted_by_age() -> None:
    """Past `seconds`, a message is forgotten; so is a channel nobody used for that long."""
    store = Store(Retention(channels=10, messages=100, seconds=60))
    now = time.monotonic()
    busy = store.add_channel(Channel("b", "transactional", "", None))
    idle = store.add_channel(Channel("b", "transactional", "", None))
    store.add_message(_message(busy, "old", born=now - 120))
    store.add_message(_message(busy, "new"))
    assert list(busy.messages) == ["new"] and store.evicted["messages"] == 1
    idle.used = now - 120
    store.add_channel(Channel("b", "transactional", "", None))
    assert idle.uid not in store.channels and busy.uid in store.channels
    assert idle.status is ChannelStatus.DELETED and store.evicted["channels"] == 1


def test_channels_past_the_count_are_evicted_with_their_messages() -> None:
    """The oldest channel goes first, and its messages leave the global index with it."""
    store = Store(Retention(channels=2, messages=100, seconds=0))
    first = store.add_channel(Channel("b", "transactional", "", None))
    store.add_message(_message(first, "m"))
    store.add_channel(Channel("b", "transactional", "", None))
    store.add_channel(Channel("b", "transactional", "", None))
    assert first.uid not in store.channels and not store.messages
    assert len(store.channels) == 2 and store.evicted["channels"] == 1


def test_the_fingerprint_is_a_small_digest() -> None:
    """Two bodies are told apart by 16 bytes, not by a copy of the request."""
    one, other = {"a": 1, "b": "x" * 500}, {"b": "x" * 500, "a": 2}
    assert len(fingerprint(one)) == 16
    assert fingerprint(one) == fingerprint({"b": "x" * 500, "a": 1})
    assert fingerprint(one) != fingerprint(other)


def _post(dispatcher: Dispatcher, path: str, body: dict[str, object]) -> dict[str, object]:
    headers = {b"authorization": b"Bearer " + dispatcher.config.tokens[0].encode()}
    request = Request("POST", path, path, b"", headers, json.dumps(body).encode())
    reply = dispatcher.handle(request)
    assert reply.status in (200, 201), reply.body
    data: dict[str, object] = json.loads(reply.body)["data"]
    return data


def _traced_per_message(count: int, config: StubConfig) -> tuple[float, Dispatcher]:
    # The loop turns every 100 messages, so their status timers fire and let go of them.
    async def run() -> tuple[float, Dispatcher]:
        dispatcher = Dispatcher(config)
        channel = _post(dispatcher, f"{GW}/channels", {"business_uid": "b", "type": "promotional"})
        uid = channel["channel"]["uid"]  # type: ignore[index]
        gateway = dispatcher.gateway
        gateway.set_channel_status(gateway.store.channels[uid], ChannelStatus.ACTIVE)
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(count):
            body = {"channel_uid": uid, "external_uid": f"e{i}", "message": "x" * 150}
            _post(dispatcher, MESSAGES, {**body, "message_uid": f"msg-{i:08d}"})
            if i % 100 == 99:
                await asyncio.sleep(0.002)
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        return grown / count, dispatcher

    return asyncio.run(run())


def test_a_stored_message_costs_well_under_a_kilobyte() -> None:
    """The gateway keeps no request buffer per message (it kept ~4.4 KB each)."""
    per_message, dispatcher = _traced_per_message(3000, StubConfig(message_delay=parse_delay("0")))
    assert len(dispatcher.gateway.store.messages) == 3000
    assert per_message < 1000, f"{per_message:.0f} bytes per message"


def test_memory_stops_growing_at_the_message_bound() -> None:
    """Past `max_messages`, new messages replace old ones: memory is flat, evictions counted."""
    config = StubConfig(max_messages=500, message_delay=parse_delay("0"))
    per_message, dispatcher = _traced_per_message(5000, config)
    assert dispatcher.stats()["messages"] == 500
    assert dispatcher.stats()["evicted"]["messages"] == 4500
    assert per_message * 5000 < 500 * 1500, f"{per_message * 5000:.0f} bytes for 500 messages"


@pytest.fixture(scope="module", params=list(ServerKind), ids=str)
def guarded(request: pytest.FixtureRequest) -> Iterator[StubServer]:
    """A stub with tight head limits, per HTTP front end."""
    with StubServer(
        max_headers=20, max_header_bytes=4096, header_timeout=0.5, server=request.param
    ) as server:
        yield server


def _exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def _healthy(server: StubServer) -> bool:
    return httpx.get(server.url + "/__stub/health", timeout=5).status_code == 200


def test_too_many_headers_are_431_and_the_connection_closes(guarded: StubServer) -> None:
    """Past `max_headers`, the answer is 431 in the envelope, then the connection ends."""
    headers = "".join(f"X-H{i}: v\r\n" for i in range(40))
    answer = _exchange(
        guarded.port, f"GET {GW}/channels/x HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.1 431"), answer[:80]
    assert b'"too_long"' in answer
    assert _healthy(guarded)


def test_a_never_ending_header_is_cut_off_at_the_byte_limit() -> None:
    """One header past `max_header_bytes`, in one chunk or many, gets 431; the stub lives on."""
    with StubServer(max_header_bytes=4096) as server:
        head = f"GET {GW}/channels/x HTTP/1.1\r\nX-Long: ".encode()
        assert _exchange(server.port, head + b"a" * 10_000).startswith(b"HTTP/1.1 431")
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(head)
            for _ in range(5):
                sock.sendall(b"a" * 1000)
                time.sleep(0.05)  # separate chunks: each one continues the same header
            assert sock.recv(65536).startswith(b"HTTP/1.1 431")
        assert _healthy(server)


def test_a_head_that_arrives_too_slowly_is_cut_off(guarded: StubServer) -> None:
    """Slowloris: a request whose headers are not all in by `header_timeout` ends with 408."""
    if guarded.config.server is ServerKind.UVICORN:
        pytest.skip("the head deadline is the default (httptools) front end's")
    with socket.create_connection(("127.0.0.1", guarded.port), timeout=10) as sock:
        sock.sendall(f"GET {GW}/channels/x HTTP/1.1\r\nX-Slow: ".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert _healthy(guarded)


def test_bounds_are_flags_of_the_stub() -> None:
    """Eviction and head limits reach the child process and its stats."""
    with StubServer(max_messages=2, activation_delay="10", message_delay="1") as server:
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as http:
            body = {"business_uid": "b", "type": "promotional"}
            uid = http.post(f"{GW}/channels", json=body).json()["data"]["channel"]["uid"]
            deadline = time.monotonic() + 10
            while http.get(f"{GW}/channels/{uid}").json()["data"]["channel"]["status"] != "active":
                assert time.monotonic() < deadline
                time.sleep(0.02)
            for i in range(5):
                message = {"channel_uid": uid, "external_uid": "e", "message": "m"}
                assert (
                    http.post(MESSAGES, json={**message, "message_uid": f"u{i}"}).status_code == 201
                )
            stats = http.get("/__stub/stats").json()
    assert stats["messages"] == 2 and stats["evicted"]["messages"] == 3
