"""`MockServer`: start the contract mock as a child process, wait for it, stop it cleanly.

The stub's launcher with another child: only the standard library is imported here, so a
load run may start it after gevent's monkey-patching.
"""

from __future__ import annotations

import sys
from typing import IO, Any

from loadspec.mock.config import MockConfig
from loadspec.mock.options import mock_argv, mock_secret_env
from loadspec.stub.process import StubServer

__all__ = ["MockServer"]


class MockServer(StubServer):
    """The mock of `config`'s contracts in its own process, on a free loopback port by default.

    Use it as a context manager, or call `start()` and `stop()`; `reset()` forgets every record.
    """

    internal = "/__loadspec"

    def __init__(
        self,
        config: MockConfig,
        /,
        *,
        startup_timeout: float = 60.0,
        stop_timeout: float = 5.0,
        stderr: int | IO[Any] | None = None,
    ) -> None:
        super().__init__(
            config.server,
            startup_timeout=startup_timeout,
            stop_timeout=stop_timeout,
            stderr=stderr,
        )
        self.mock = config

    def _argv(self, handshake: list[str]) -> list[str]:
        return [sys.executable, "-m", "loadspec.mock", *mock_argv(self.mock, handshake)]

    def _secret_env(self) -> dict[str, str]:
        return mock_secret_env(self.mock)

    def __repr__(self) -> str:
        return f"<MockServer {self._url or 'not started'} pid={self.pid}>"
