"""Fixtures for the embedded gateway: stub processes on free ports and a callback receiver."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest

from loadspec.stub import ServerKind, StubServer
from tests.local_server import serving

from .support import CallbackReceiver, Received


def _handler(receiver: CallbackReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            with receiver.lock:
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.received.append(Received(self.path, headers, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    """A callback receiver on a free loopback port, shut down after the test."""
    state = CallbackReceiver()
    with serving(_handler(state)) as url:
        state.url = url + "/callbacks"
        yield state


@pytest.fixture(scope="module", params=list(ServerKind), ids=str)
def stub(request: pytest.FixtureRequest) -> Iterator[StubServer]:
    """One fast stub per module and HTTP front end: short delays, no faults."""
    server = StubServer(
        activation_delay="uniform:20:60", message_delay="10", seed=7, server=request.param
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client(stub: StubServer) -> Iterator[httpx.Client]:
    """An HTTP client for `stub`, authorised with its staff token."""
    headers = {"Authorization": f"Bearer {stub.token}"}
    with httpx.Client(base_url=stub.url, headers=headers, timeout=10) as http:
        yield http
