"""A callback flood cannot take the event loop: handling keeps to its share of the time."""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import gevent
import pytest
from gevent.pywsgi import WSGIServer

from loadspec.errors import ConfigError
from loadspec.webhooks.guard import TimeShare, guarded_handler
from loadspec.webhooks.limits import WebhookLimits


def in_thread(work: Callable[[], Any]) -> Any:
    """Run blocking client code in an OS thread while the test's gevent hub serves."""
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(work()))
    worker.start()
    while worker.is_alive():
        gevent.sleep(0.01)
    return results[0]


class FakeTime:
    """A clock that moves only when the code under test sleeps or the test says so."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def serve(share: TimeShare, requests: Iterable[float], gap: float, fake: FakeTime) -> float:
    """Each request waits its turn, costs its seconds, then `gap` passes; the time it took."""
    started = fake.now
    for cost in requests:
        share.wait_turn()
        fake.now += cost
        share.spent(cost)
        fake.now += gap
    return fake.now - started


def test_a_flood_gets_no_more_than_its_share() -> None:
    """Back-to-back requests of 10 ms at a quarter share: 1 s of handling takes >= 3.8 s."""
    fake = FakeTime()
    share = TimeShare(0.25, burst=0.05, clock=fake.clock, sleep=fake.sleep)
    took = serve(share, [0.01] * 100, 0.0, fake)
    assert share.used == pytest.approx(1.0)
    assert took >= (1.0 - 0.01 - 0.05) / 0.25 + 0.01  # the last one's cost is not waited for
    assert took <= 1.0 / 0.25 + 0.1  # and it is not held back beyond its share


def test_requests_under_the_share_never_wait() -> None:
    """10 ms every 100 ms is 10% of the time: under a quarter, nobody waits."""
    fake = FakeTime()
    share = TimeShare(0.25, clock=fake.clock, sleep=fake.sleep)
    serve(share, [0.01] * 50, 0.09, fake)
    assert fake.slept == []


def test_a_burst_after_a_quiet_spell_passes_at_once() -> None:
    """Up to `burst` seconds of handling go through before the share applies."""
    fake = FakeTime()
    share = TimeShare(0.1, burst=0.05, clock=fake.clock, sleep=fake.sleep)
    serve(share, [0.01] * 5, 0.0, fake)
    assert fake.slept == []
    serve(share, [0.01] * 2, 0.0, fake)
    assert fake.slept


def test_the_share_is_an_option_with_a_checked_range() -> None:
    """max_share is in (0, 1]."""
    assert WebhookLimits().max_share == 0.25
    for bad in (0.0, 1.5, -0.1):
        with pytest.raises(ConfigError, match="webhook max share must be in"):
            WebhookLimits(max_share=bad)


@pytest.fixture
def slow_app() -> Iterator[tuple[str, int, Any]]:
    """A WSGI server behind the listener's handler, at a 10% share, each request ~2 ms."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()
        deadline = time.perf_counter() + 0.002
        while time.perf_counter() < deadline:  # a callback's verification, say
            pass
        start_response("200 OK", [("Content-Length", "2")])
        return [b"ok"]

    handler = guarded_handler(WebhookLimits(max_share=0.1))
    server = WSGIServer(("127.0.0.1", 0), app, log=None, handler_class=handler)
    server.start()
    try:
        yield "127.0.0.1", server.server_port, handler
    finally:
        server.stop(timeout=1)


@pytest.mark.slow
def test_the_listeners_handler_keeps_to_its_share(slow_app: tuple[str, int, Any]) -> None:
    """40 requests on one keep-alive connection take about their handling time / share."""
    host, port, handler = slow_app
    body = json.dumps({"id": uuid.uuid4().hex}).encode()

    def send_all() -> float:
        started = time.monotonic()
        connection = http.client.HTTPConnection(host, port, timeout=30)
        for _ in range(40):
            connection.request("POST", "/callbacks", body)
            assert connection.getresponse().read() == b"ok"
        connection.close()
        return time.monotonic() - started

    took = in_thread(send_all)
    share = handler.share
    assert share.used >= 40 * 0.002
    # Unthrottled, they would take about `used`; the last one's debt is never waited for.
    assert took >= 0.9 * (share.used - share.burst) / 0.1 > 3 * share.used
