"""`StubServer`: start the embedded gateway as a child process, wait for it, stop it cleanly.

Only the standard library is imported here: the load runner calls this from inside Locust
(after gevent's monkey-patching), and the server's own stack lives in the child.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.request
import weakref
from collections.abc import Mapping
from types import TracebackType
from typing import IO, Any, Self

from loadspec.errors import LoadspecError
from loadspec.stub.config import ServerKind, StubConfig, parse_delay
from loadspec.stub.options import config_to_argv, secret_env

__all__ = ["StubServer", "StubStartError"]

_READY_PREFIX = b"LOADSPEC_STUB_READY "
_RUNNING: weakref.WeakSet[StubServer] = weakref.WeakSet()


class StubStartError(LoadspecError):
    """The stub process did not come up (it exited, or was not ready in time)."""


def _coerce(overrides: dict[str, Any]) -> dict[str, Any]:
    # Delays and the server kind may be given as text ("uniform:10:200", "uvicorn"), as the
    # CLI takes them.
    for name in ("activation_delay", "message_delay"):
        if isinstance(overrides.get(name), str):
            overrides[name] = parse_delay(overrides[name])
    if isinstance(overrides.get("server"), str):
        overrides["server"] = ServerKind(overrides["server"])
    if "secret" in overrides:
        overrides["webhook_secret"] = overrides.pop("secret")
    if isinstance(overrides.get("tokens"), str):
        overrides["tokens"] = (overrides["tokens"],)
    elif "tokens" in overrides:
        overrides["tokens"] = tuple(overrides["tokens"])
    return overrides


class StubServer:
    """The embedded gateway in its own process, on a free loopback port by default.

    `StubServer(config)` or `StubServer(**fields)` with any `StubConfig` field (plus `secret`
    for `webhook_secret`; delays also as text, e.g. `activation_delay="uniform:20:80"`).
    Use it as a context manager, or call `start()` and `stop()`.
    """

    internal = "/__stub"
    """Where the server's own paths (health, stats) are, outside any contract."""

    def __init__(
        self,
        config: StubConfig | None = None,
        /,
        *,
        startup_timeout: float = 20.0,
        stop_timeout: float = 5.0,
        stderr: int | IO[Any] | None = None,
        **overrides: Any,
    ) -> None:
        base = config if config is not None else StubConfig()
        self.config = dataclasses.replace(base, **_coerce(overrides)) if overrides else base
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._stderr_arg = stderr
        self._log: IO[bytes] | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, the root both APIs are served under."""
        if self._url is None:
            raise StubStartError("the stub is not started")
        return self._url

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.config.tokens

    @property
    def token(self) -> str:
        """The first accepted staff token."""
        return self.config.tokens[0]

    @property
    def secret(self) -> str:
        """The secret callbacks are signed with."""
        return self.config.webhook_secret

    @property
    def business_uid(self) -> str:
        """The business a clients query that names none is answered for."""
        return self.config.default_business_uid

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> Self:
        """Spawn the stub and return once it answers its health check."""
        if self._proc is not None:
            return self
        argv = self._argv(["--ready-json", "--exit-on-stdin-eof"])
        stderr = self._stderr_arg
        if stderr is None:
            # Kept open for the child's lifetime and closed by stop(), so no `with` here.
            stderr = self._log = tempfile.TemporaryFile(prefix="loadspec-stub-")  # noqa: SIM115
        self._proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**_inherited(os.environ), **self._secret_env()},
            start_new_session=True,
        )
        _RUNNING.add(self)
        try:
            self._url = self._await_ready(time.monotonic() + self.startup_timeout)
            self._check_health()
        except BaseException:
            self.stop()
            raise
        return self

    def _argv(self, handshake: list[str]) -> list[str]:
        """The child's command line, with the launcher's `handshake` flags."""
        return [sys.executable, "-m", "loadspec.stub", *config_to_argv(self.config), *handshake]

    def _secret_env(self) -> dict[str, str]:
        """The variables that carry the child's secrets (never its argv, which `ps` shows)."""
        return secret_env(self.config)

    def _await_ready(self, deadline: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        fd, buffer = self._proc.stdout.fileno(), b""
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise StubStartError(self._failure(f"not ready after {self.startup_timeout}s"))
            readable, _, _ = select.select([fd], [], [], min(remaining, 0.5))
            chunk = os.read(fd, 4096) if readable else b""
            if readable and not chunk:
                code = self._proc.wait(timeout=self.stop_timeout)
                raise StubStartError(self._failure(f"exited with code {code} before it was ready"))
            buffer += chunk
        line = buffer.split(b"\n", 1)[0]
        if not line.startswith(_READY_PREFIX):
            raise StubStartError(self._failure(f"unexpected first line {line[:200]!r}"))
        url: str = json.loads(line[len(_READY_PREFIX) :])["url"]
        return url

    def _check_health(self) -> None:
        with urllib.request.urlopen(self.url + self.internal + "/health", timeout=5) as response:
            if response.status != 200:
                raise StubStartError(self._failure(f"health check answered {response.status}"))

    def _failure(self, what: str) -> str:
        return f"the stub process {what}" + (
            f"; its stderr ends:\n{tail}" if (tail := self.logs(2000)) else ""
        )

    def logs(self, limit: int = 100_000) -> str:
        """The end of the child's stderr, when it goes to a temporary file (the default)."""
        if self._log is None or self._log.closed:
            return ""
        self._log.flush()
        size = self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, size - limit))
        return self._log.read().decode("utf-8", "replace")

    def stats(self) -> dict[str, Any]:
        """The stub's counters (`GET /__stub/stats`): requests, statuses, callbacks."""
        with urllib.request.urlopen(self.url + self.internal + "/stats", timeout=5) as response:
            stats: dict[str, Any] = json.loads(response.read())
        return stats

    def stop(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after `stop_timeout`) and reap it. Idempotent."""
        proc, self._proc = self._proc, None
        _RUNNING.discard(self)
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()
        if self._log is not None:
            self._log.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._url or "not started"
        return f"<StubServer {where} pid={self.pid}>"


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_RUNNING):
        server.stop()


def _inherited(environ: Mapping[str, str]) -> dict[str, str]:
    """The parent's environment without the stub's own variables: a launched gateway takes
    its whole configuration from the launcher, never from a shell's LOADSPEC_STUB_*."""
    return {k: v for k, v in environ.items() if not k.startswith("LOADSPEC_STUB_")}
