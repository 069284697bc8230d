"""Fixtures for the embedded gateway: stub processes on free ports and a callback receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from loadspec.stub import ServerKind, StubServer

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
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/callbacks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


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
