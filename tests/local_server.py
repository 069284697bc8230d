"""Serve a test's request handler on a free loopback port, in a thread, for one `with`."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

Handler = Callable[..., BaseHTTPRequestHandler]
"""A request handler class (or a `functools.partial` of one)."""


class LocalServer(ThreadingHTTPServer):
    """A test server on a free loopback port, serving in a thread while its `with` runs.

    A client that goes away (a run ending, a timeout test) is expected; anything else a
    handler raises is shown.
    """

    daemon_threads = True

    def __init__(self, handler: Handler) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


@contextmanager
def serving(handler: Handler) -> Iterator[str]:
    """`http://127.0.0.1:PORT` while the block runs; shut down and closed after it."""
    with LocalServer(handler) as server:
        yield server.url
