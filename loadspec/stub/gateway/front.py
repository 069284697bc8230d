"""What a server front end needs of the application behind it: the stub's or the mock's.

`loadspec.stub.server` (the wire server, the ASGI app, the process main) moves bytes for any
object of this shape; `stub.gateway.app.Dispatcher` is the embedded gateway's,
`loadspec.mock.app.MockDispatcher` the contract mock's.
"""

from __future__ import annotations

from typing import Protocol

from loadspec.stub.config import StubConfig
from loadspec.stub.gateway.http import Answer, Request

__all__ = ["Application", "Closing"]


class Closing(Protocol):
    """What sends callbacks from the server's loop; closed when the server stops."""

    async def aclose(self) -> None: ...


class Application(Protocol):
    """One request in, one answer out, synchronously; limits and faults from `config`."""

    @property
    def config(self) -> StubConfig: ...

    @property
    def callbacks(self) -> Closing: ...

    def handle(self, request: Request) -> Answer: ...

    def latency(self) -> float: ...

    def too_large(self, path: str) -> Answer: ...

    def head_refused(self, status: int, reason: str) -> Answer: ...

    def malformed(self, reason: str) -> Answer: ...
