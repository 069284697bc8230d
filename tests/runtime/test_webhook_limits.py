"""The listener under abuse: bounded state, O(1) matching, head limits, a rate cap, iat."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gevent
import pytest

from loadspec.errors import ConfigError
from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.guard import RateCap
from loadspec.webhooks.limits import WebhookLimits
from loadspec.webhooks.signing import CallbackSignatureError, sign_callback, verify_callback

from .test_webhooks import SECRET, callback, post

Reports = list[tuple[str, int, str | None]]


def in_background(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start blocking client code in an OS thread; the returned call waits for its result
    while the test's gevent hub serves."""
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(work()))
    worker.start()

    def result() -> Any:
        while worker.is_alive():
            gevent.sleep(0.01)
        return results[0]

    return result


def in_thread(work: Callable[[], Any]) -> Any:
    """Run blocking client code in an OS thread while the test's gevent hub serves."""
    return in_background(work)()


@contextmanager
def listening(limits: WebhookLimits) -> Iterator[tuple[Listener, Reports]]:
    """A listener keeping channel.status callbacks within `limits`, and what it reports."""
    reports: Reports = []
    box = CallbackBox.limited(limits, frozenset({"channel.status"}))
    running = Listener(box, SECRET, lambda *r: reports.append(r), limits).start()
    try:
        yield running, reports
    finally:
        running.stop()


@pytest.fixture
def tight() -> Iterator[tuple[Listener, Reports]]:
    with listening(
        WebhookLimits(max_rate=5, max_headers=10, max_header_bytes=2048, header_timeout=0.3)
    ) as running:
        yield running


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def _port(listener: Listener) -> int:
    return int(listener.url.split(":")[2].split("/")[0])


def test_many_unclaimed_callbacks_keep_delivery_constant_time() -> None:
    """At the bound, each delivery drops the oldest instead of scanning every kept one."""
    box = CallbackBox(capacity=1000)
    for n in range(50_000):
        box.deliver({"event": "e", "data": {"uid": f"u{n}"}}, f"d{n}")
    assert box.pending == 1000 and box.counts["dropped"] == 49_000
    assert box.wait("u49999", None, timeout=0) is not None
    assert box.wait("u48999", None, timeout=0) is None
    assert box.pending == 999


def test_a_claimed_callback_leaves_no_trace_in_the_order() -> None:
    """Callbacks taken by waits are not counted again as dropped or expired."""
    box = CallbackBox(capacity=3)
    for n in range(3):
        box.deliver({"event": "e", "data": {"uid": f"u{n}"}}, f"d{n}")
    assert box.wait("u0", None, timeout=0) is not None
    box.deliver({"event": "e", "data": {"uid": "u3"}}, "d3")
    assert box.counts.get("dropped", 0) == 0 and box.pending == 3


def test_replays_are_dropped_within_the_window_and_ids_are_bounded() -> None:
    """A delivery id seen inside the replay window is a duplicate; memory of ids is capped."""
    box = CallbackBox(replay_window=600, seen_capacity=1000)
    assert box.deliver({"event": "e", "data": {"uid": "a"}}, "same") == "kept"
    assert box.deliver({"event": "e", "data": {"uid": "a"}}, "same") == "duplicate"
    for n in range(5000):
        box.deliver({"event": "x", "data": {}}, f"flood{n}")
    assert box._seen.size <= 1000


def test_iat_outside_the_window_is_rejected() -> None:
    """Hours-old and future-dated tokens fail; one just signed passes."""
    body = b"{}"
    now = time.time()
    verify_callback(body, sign_callback(body, SECRET), SECRET, max_age=300)
    for when, why in ((now - 3600, "old"), (now + 3600, "in the future")):
        with pytest.raises(CallbackSignatureError, match=why):
            verify_callback(body, sign_callback(body, SECRET, now=when), SECRET, max_age=300)


def test_malformed_tokens_fail_with_one_stable_message() -> None:
    """Hundreds of garbled JWTs give one failure text, so Locust shows one row."""
    texts = set()
    for n in range(300):
        header = json.dumps({"alg": "HS256", "n": "x" * n}).encode().hex()
        for token in (f"{header}.e30.sig", f"ey{'A' * n}.e30.x", "a.b", f"{n}.{n}.{n}"):
            with pytest.raises(CallbackSignatureError) as caught:
                verify_callback(b"{}", f"Bearer {token}", SECRET)
            texts.add(str(caught.value))
    assert texts == {"callback JWT rejected: malformed token"}


def test_limits_refuse_a_replay_window_shorter_than_twice_the_iat_window() -> None:
    """Otherwise a replay could slip between the two checks."""
    with pytest.raises(ConfigError, match="twice"):
        WebhookLimits(max_age=300, replay_window=300)


def test_the_rate_cap_allows_its_rate() -> None:
    """A token bucket: a second's worth at once, then the rate."""
    clock = [0.0]
    cap = RateCap(10, clock=lambda: clock[0])
    assert sum(cap.take() for _ in range(50)) == 10
    clock[0] = 0.5
    assert sum(cap.take() for _ in range(50)) == 5


def test_callbacks_over_the_rate_get_429_and_are_counted(tight: Any) -> None:
    """Past `max_rate`, callbacks are answered 429 with Retry-After before any verification."""
    server, reports = tight

    def flood() -> list[int]:
        statuses = []
        for n in range(20):
            body = callback("channel.status", f"c{n}", "active", delivery=f"d{n}")
            statuses.append(post(server.url, body, sign_callback(body, SECRET)))
        return statuses

    statuses = in_thread(flood)
    assert statuses.count(200) >= 5 and statuses.count(429) >= 10
    assert server.box.counts["throttled"] == statuses.count(429)
    assert {name for name, _, _ in reports} >= {"throttled", "channel.status (kept)"}


def test_too_many_headers_get_431(tight: Any) -> None:
    """Past `max_headers`, the listener answers 431 and hangs up."""
    server, _ = tight
    headers = "".join(f"X-{n}: v\r\n" for n in range(30))
    answer = in_thread(
        lambda: _raw(_port(server), f"POST /callbacks HTTP/1.1\r\n{headers}\r\n".encode())
    )
    assert answer.startswith(b"HTTP/1.1 431")


def test_a_never_ending_header_gets_431(tight: Any) -> None:
    """A header past `max_header_bytes` is refused before it is read whole."""
    server, _ = tight
    # 10 KB: past the limit, yet within what pywsgi drains before closing (no reset).
    data = b"POST /callbacks HTTP/1.1\r\nX-Long: " + b"a" * 10_000
    answer = in_thread(lambda: _raw(_port(server), data))
    assert answer.startswith(b"HTTP/1.1 431")


def test_a_slow_head_is_cut_off(tight: Any) -> None:
    """Slowloris: a head not complete by `header_timeout` ends the connection."""
    server, _ = tight
    answer = in_thread(lambda: _raw(_port(server), b"POST /callbacks HTTP/1.1\r\nX-Slow: "))
    assert answer.startswith(b"HTTP/1.1 408") or answer == b""
    body = callback("channel.status", "after", "active", delivery="after")
    assert in_thread(lambda: post(server.url, body, sign_callback(body, SECRET))) == 200
