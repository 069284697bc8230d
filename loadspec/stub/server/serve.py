"""Run the stub in this process: bind (loopback, or an allowed address), pick the HTTP front
end, announce, serve."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from loadspec.inputs.targets import AllowList
from loadspec.stub.config import DEFAULT_TOKEN, ServerKind, StubConfig, StubConfigError
from loadspec.stub.gateway.app import CLIENTS_BASE, GATEWAY_BASE, Dispatcher
from loadspec.stub.gateway.front import Application
from loadspec.stub.server.asgi import AsgiApp
from loadspec.stub.server.wire import WireServer
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET

__all__ = ["READY_PREFIX", "bind", "serve"]

READY_PREFIX = "LOADSPEC_STUB_READY "


def bind(host: str, port: int, allow_hosts: tuple[str, ...] = ()) -> socket.socket:
    """A listening socket on `host`: loopback, or an address `allow_hosts` names (the load
    run's rules); `port` 0: a free port the system picks."""
    if not AllowList.of(allow_hosts).allows(host):
        raise StubConfigError(
            f"the stub listens on loopback, or on an address --allow-host names, not on {host!r}"
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StubConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    config: StubConfig,
    *,
    ready_json: bool = False,
    exit_on_stdin_eof: bool = False,
    out: TextIO | None = None,
    application: Application | None = None,
    banner: Callable[[str], str] | None = None,
) -> int:
    """Run the stub (or `application`, e.g. the mock, on the same front end) until SIGINT/SIGTERM
    (or stdin closing, if asked); return an exit code. `banner(url)` is the text shown once
    serving, when not `ready_json`."""
    logging.basicConfig(level=logging.WARNING, format="loadspec stub: %(levelname)s %(message)s")
    sock = bind(config.host, config.port, config.allow_hosts)
    dispatcher = Dispatcher(config) if application is None else application
    front = _uvicorn if config.server is ServerKind.UVICORN else _wire
    started = False

    def ready(stop: Callable[[], None]) -> None:
        nonlocal started
        started = True
        show = banner or (lambda url: _banner(config, url))
        _announce(show, sock, sys.stdout if out is None else out, ready_json)
        if exit_on_stdin_eof:
            _watch_stdin(stop)

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(front(dispatcher, sock, ready))
    return 0 if started else 1


Ready = Callable[[Callable[[], None]], None]


def _on_signals(stop: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)


async def _wire(dispatcher: Application, sock: socket.socket, ready: Ready) -> None:
    server = WireServer(dispatcher, asyncio.get_running_loop())
    started = asyncio.Event()
    task = asyncio.ensure_future(server.serve(sock, started))
    _on_signals(server.stop)
    waiter = asyncio.ensure_future(started.wait())
    await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
    if started.is_set():
        ready(server.stop)
    waiter.cancel()
    await task


async def _uvicorn(dispatcher: Application, sock: socket.socket, ready: Ready) -> None:
    import uvicorn  # only this front end needs it

    server = uvicorn.Server(
        uvicorn.Config(
            AsgiApp(dispatcher),
            http="httptools",
            loop="uvloop",
            lifespan="on",
            access_log=False,
            log_level="warning",
            timeout_keep_alive=30,
            server_header=False,
            date_header=False,
            proxy_headers=False,
        )
    )
    # uvicorn re-raises a captured SIGINT/SIGTERM after its shutdown, which would end the
    # process with 130 or -15; stopping on a signal is this server's normal end, so exit 0.
    server.capture_signals = _no_signal_capture  # type: ignore[method-assign]

    def stop() -> None:
        server.should_exit = True

    _on_signals(stop)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        ready(stop)
    await task


@contextlib.contextmanager
def _no_signal_capture() -> Iterator[None]:
    yield


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    import uvloop

    return uvloop.new_event_loop


def _announce(
    banner: Callable[[str], str], sock: socket.socket, out: TextIO, ready_json: bool
) -> None:
    host, port = sock.getsockname()[:2]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    if ready_json:
        out.write(READY_PREFIX + json.dumps({"url": url, "port": port, "pid": os.getpid()}) + "\n")
    else:
        out.write(banner(url))
    out.flush()


def _banner(config: StubConfig, url: str) -> str:
    token = (
        f"default staff token: {DEFAULT_TOKEN}"
        if config.tokens == (DEFAULT_TOKEN,)
        else f"staff tokens: {len(config.tokens)} given (not shown)"
    )
    secret = (
        "default webhook secret: " + DEFAULT_WEBHOOK_SECRET
        if config.webhook_secret == DEFAULT_WEBHOOK_SECRET
        else "webhook secret: given"
    )
    return (
        f"loadspec stub listening on {url}\n"
        f"  communication gateway: {url}{GATEWAY_BASE}\n"
        f"  clients API:           {url}{CLIENTS_BASE}/clients\n"
        f"  {token}\n  {secret}\n"
        f"  activation delay: {config.activation_delay} ms; Ctrl+C to stop\n"
    )


def _watch_stdin(stop: Callable[[], None]) -> None:
    # The parent holds our stdin open; when it exits (even killed), we see EOF and stop.
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()

    def readable() -> None:
        with contextlib.suppress(OSError):
            if os.read(fd, 4096):
                return
        loop.remove_reader(fd)
        stop()

    loop.add_reader(fd, readable)
