"""What a server front end needs of the application behind it: the stub's or the mock's.

`loadspec.stub.server` (the wire server, the ASGI app, the process main) moves bytes for any
object of this shape; `stub.gateway.app.Dispatcher` is the embedded gateway's,
`loadspec.mock.app.MockDispatcher` the contract mock's. Both are `Served`: what every
application does around its own answers is written once.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from loadspec.stub.config import StubConfig
from loadspec.stub.gateway.faults import FaultInjector
from loadspec.stub.gateway.http import Answer, Request

__all__ = ["Application", "Closing", "Served"]


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


class Served:
    """An application's requests around its own answers: paths under `internal` go to
    `_internal`, the rest to `_serve`; the faults act on what `_serve` answers, and every
    answer is counted by status.

    Attributes:
        internal: the prefix of the application's own paths (health, stats).
        served: answers so far.
        by_status: answers so far, by status.
    """

    internal: ClassVar[str]

    def __init__(self, faults: FaultInjector) -> None:
        self._faults = faults
        self.served = 0
        self.by_status: dict[int, int] = {}

    def handle(self, request: Request) -> Answer:
        """The answer to `request`; `faults.RESET` means: reset the connection instead."""
        if request.path.startswith(self.internal):
            return self._internal(request)
        reply = self._serve(request)
        if self._faults.active:
            reply = self._faults.after(reply)
        self._count(reply.status)
        return reply

    def latency(self) -> float:
        """Seconds to hold this answer back (the latency fault; 0 without it)."""
        return self._faults.latency() if self._faults.active else 0.0

    def _count(self, status: int) -> None:
        self.served += 1
        self.by_status[status] = self.by_status.get(status, 0) + 1

    def _serve(self, request: Request) -> Answer:
        raise NotImplementedError

    def _internal(self, request: Request) -> Answer:
        raise NotImplementedError
