"""The webhook listener and its box: signatures, early, duplicate and missing callbacks."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import gevent
import pytest

from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.signing import sign_callback

SECRET = "a-test-secret-long-enough-for-hs256-keys"


def callback(event: str, uid: str, status: str, delivery: str = "d1") -> bytes:
    return json.dumps(
        {"id": delivery, "event": event, "data": {"uid": uid, "status": status}}
    ).encode()


def post(url: str, body: bytes, authorization: str | None) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def post_soon(url: str, body: bytes, authorization: str | None, results: list[int]) -> None:
    """POST from an OS thread while the test's gevent hub serves the listener."""
    worker = threading.Thread(target=lambda: results.append(post(url, body, authorization)))
    worker.start()
    while worker.is_alive():
        gevent.sleep(0.01)


@pytest.fixture
def listener() -> Iterator[tuple[Listener, list[tuple[str, int, str | None]]]]:
    reports: list[tuple[str, int, str | None]] = []
    box = CallbackBox(events=frozenset({"channel.status"}))
    running = Listener(box, SECRET, lambda *report: reports.append(report)).start()
    try:
        yield running, reports
    finally:
        running.stop()


def test_signed_callback_reaches_a_waiter(listener: Any) -> None:
    """A verified callback wakes the wait for its subject's uid."""
    server, reports = listener
    body = callback("channel.status", "ch-1", "active")
    results: list[int] = []
    gevent.spawn(post_soon, server.url, body, sign_callback(body, SECRET), results)
    payload = server.box.wait("ch-1", "channel.status", timeout=5)
    assert payload is not None and payload["data"]["status"] == "active"
    gevent.sleep(0.05)
    assert results == [200]
    assert reports == [("channel.status (matched)", len(body), None)]


def test_callback_before_the_wait_is_kept(listener: Any) -> None:
    """A gateway faster than the user: the callback waits in the box for its wait."""
    server, _ = listener
    body = callback("channel.status", "ch-2", "active")
    results: list[int] = []
    post_soon(server.url, body, sign_callback(body, SECRET), results)
    assert results == [200]
    assert server.box.wait("ch-2", "channel.status", timeout=0.01)["data"]["uid"] == "ch-2"
    assert server.box.wait("ch-2", "channel.status", timeout=0.01) is None  # consumed


def test_duplicate_delivery_is_ignored(listener: Any) -> None:
    """The same delivery twice (a retry) counts once."""
    server, _ = listener
    body = callback("channel.status", "ch-3", "active", delivery="same")
    results: list[int] = []
    post_soon(server.url, body, sign_callback(body, SECRET), results)
    post_soon(server.url, body, sign_callback(body, SECRET), results)
    assert results == [200, 200]
    assert server.box.counts["duplicate"] == 1
    assert server.box.wait("ch-3", None, timeout=0.01) is not None
    assert server.box.wait("ch-3", None, timeout=0.01) is None


@pytest.mark.parametrize(
    ("authorization", "why"),
    [
        (None, "not 'Bearer <jwt>'"),
        ("Bearer not-a-jwt", "callback JWT rejected"),
        ("forged", "not 'Bearer <jwt>'"),
    ],
)
def test_forged_or_unsigned_callbacks_are_rejected_and_counted(
    listener: Any, authorization: str | None, why: str
) -> None:
    """No signature, a bad one, or one for another body: 401, counted, never delivered."""
    server, reports = listener
    body = callback("channel.status", "ch-4", "active")
    results: list[int] = []
    post_soon(server.url, body, authorization, results)
    assert results == [401]
    assert server.box.counts["rejected"] == 1
    ((name, _, failure),) = reports
    assert name == "rejected" and why in (failure or "")
    assert server.box.wait("ch-4", None, timeout=0.01) is None


def test_signature_for_another_body_is_rejected(listener: Any) -> None:
    """A genuine signature replayed on a tampered body fails the payload hash."""
    server, reports = listener
    genuine = callback("channel.status", "ch-5", "pending")
    tampered = callback("channel.status", "ch-5", "active")
    results: list[int] = []
    post_soon(server.url, tampered, sign_callback(genuine, SECRET), results)
    assert results == [401]
    assert "payload_hash does not match" in (reports[0][2] or "")


def test_wait_that_never_gets_its_callback_times_out(listener: Any) -> None:
    """A lost callback: the wait returns None at its deadline."""
    server, _ = listener
    assert server.box.wait("ch-never", "channel.status", timeout=0.05) is None


def test_events_nobody_waits_for_are_not_kept() -> None:
    """Callbacks of events no spec waits for are acknowledged, not stored."""
    box = CallbackBox(events=frozenset({"channel.status"}))
    assert box.deliver({"event": "message.status", "data": {"uid": "m1"}}, "x1") == "ignored"
    assert box.deliver({"event": "channel.status", "data": {"uid": "c1"}}, "x2") == "kept"
    assert box.deliver({"event": "channel.status", "data": {}}, "x3") == "unmatched"


def test_kept_callbacks_are_bounded() -> None:
    """Unclaimed callbacks beyond the capacity are dropped, oldest first."""
    box = CallbackBox(capacity=10)
    for n in range(25):
        box.deliver({"event": "e", "data": {"uid": f"u{n}"}}, f"d{n}")
    assert box.counts["dropped"] == 15
    assert box.wait("u24", None, timeout=0) is not None
    assert box.wait("u0", None, timeout=0) is None


def test_event_filter_on_wait() -> None:
    """A wait for one event type leaves other events of the same subject alone."""
    box = CallbackBox()
    box.deliver({"event": "message.status", "data": {"uid": "k"}}, "a")
    box.deliver({"event": "channel.status", "data": {"uid": "k"}}, "b")
    assert box.wait("k", "channel.status", timeout=0)["event"] == "channel.status"
    assert box.wait("k", None, timeout=0)["event"] == "message.status"
