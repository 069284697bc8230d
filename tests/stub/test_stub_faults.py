"""Fault injection: each fault does what its flag says, and nothing happens without one."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from loadspec.stub import Faults, ServerKind, StubServer, parse_delay

from .support import GW, CallbackReceiver, create_channel

CLIENTS = "/platform/v1/clients"


@contextmanager
def faulty(server: ServerKind = ServerKind.HTTPTOOLS, **faults: Any) -> Iterator[httpx.Client]:
    """A client for a stub started with `faults` (immediate activation, fixed seed)."""
    with (
        StubServer(
            activation_delay="0",
            message_delay="0",
            seed=3,
            server=server,
            faults=Faults(**faults),
        ) as stub,
        httpx.Client(
            base_url=stub.url, headers={"Authorization": f"Bearer {stub.token}"}, timeout=10
        ) as http,
    ):
        yield http


def test_error_rate_answers_500_in_the_envelope() -> None:
    """error_rate=1: every request is a 500 `unexpected`, and no state changes."""
    with faulty(error_rate=1.0) as http:
        response = http.post(f"{GW}/channels", json={"business_uid": "b", "type": "promotional"})
        assert response.status_code == 500
        assert response.json()["errors"][0]["code"] == "unexpected"
        assert http.get("/__stub/stats").json()["channels"] == 0


@pytest.mark.parametrize("server", list(ServerKind), ids=str)
def test_reset_rate_drops_the_connection(server: ServerKind) -> None:
    """reset_rate=1: the client sees a reset connection, never an HTTP answer."""
    with faulty(server, reset_rate=1.0) as http, pytest.raises(httpx.TransportError):
        http.get(CLIENTS)


def test_malformed_rate_answers_broken_json() -> None:
    """malformed_rate=1: the body claims JSON and is not."""
    with faulty(malformed_rate=1.0) as http:
        response = http.get(CLIENTS)
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)


def test_contract_break_rate_answers_bodies_that_break_the_schema() -> None:
    """contract_break_rate=1: 2xx bodies lose `data` or get a wrongly typed member."""
    with faulty(contract_break_rate=1.0) as http:
        bodies = [http.get(CLIENTS).json() for _ in range(10)]
    assert all("data" not in b or b["status"] == 42 for b in bodies)


def test_latency_delays_answers() -> None:
    """latency=fixed:150 makes every answer take at least 150 ms."""
    with faulty(latency=parse_delay("fixed:150")) as http:
        start = time.monotonic()
        http.get(CLIENTS)
        assert time.monotonic() - start >= 0.15


def test_without_faults_nothing_is_injected(client: httpx.Client) -> None:
    """The default stub serves every request untouched."""
    assert all(client.get(CLIENTS).status_code == 200 for _ in range(50))


def _activation_callbacks(
    receiver: CallbackReceiver, channels: int, **faults: Any
) -> dict[str, int]:
    """Create `channels` channels on a stub with `faults`; its callback counters after."""
    with faulty(**faults) as http:
        for _ in range(channels):
            create_channel(http, receiver.url)
        time.sleep(0.3)
        if not faults.get("callback_drop_rate"):
            receiver.wait_for(lambda r: True, count=channels, timeout=3)
        stats: dict[str, int] = http.get("/__stub/stats").json()["callbacks"]
    return stats


def test_dropped_callbacks_never_arrive(receiver: CallbackReceiver) -> None:
    """callback_drop_rate=1: no delivery at all, counted as dropped."""
    stats = _activation_callbacks(receiver, 3, callback_drop_rate=1.0)
    assert receiver.received == []
    assert stats["dropped"] == 3 and stats["delivered"] == 0


def test_duplicated_callbacks_arrive_twice_with_one_event_id(receiver: CallbackReceiver) -> None:
    """callback_duplicate_rate=1: two deliveries, same event id, two signatures."""
    _activation_callbacks(receiver, 1, callback_duplicate_rate=1.0)
    first, second = receiver.wait_for(lambda r: True, count=2)
    assert first.event["id"] == second.event["id"]
    assert first.headers["authorization"] != second.headers["authorization"]


def test_delayed_callbacks_arrive_late(receiver: CallbackReceiver) -> None:
    """callback_delay=fixed:400: activation is announced no sooner than 400 ms later."""
    with faulty(callback_delay=parse_delay("fixed:400")) as http:
        start = time.monotonic()
        create_channel(http, receiver.url)
        assert len(receiver.wait_for(lambda r: True)) == 1
        assert time.monotonic() - start >= 0.4


def test_reordered_callbacks_are_overtaken(receiver: CallbackReceiver) -> None:
    """callback_reorder_rate=0.5: some message steps are held back, so later ones overtake."""
    with faulty(callback_reorder_rate=0.5) as http:
        uid = create_channel(http, receiver.url)
        time.sleep(0.1)
        for n in range(12):
            http.post(
                f"{GW}/messages",
                json={
                    "channel_uid": uid,
                    "external_uid": "e",
                    "message": "m",
                    "message_uid": f"m{n}",
                },
            )
        receiver.wait_for(lambda r: True, count=25, timeout=5)
        assert http.get("/__stub/stats").json()["callbacks"]["reordered"] > 0
    seen: dict[str, list[str]] = {}
    for event in receiver.events("message.status"):
        seen.setdefault(event["data"]["message_uid"], []).append(event["data"]["status"])
    assert any(order == ["received", "sent"] for order in seen.values())
