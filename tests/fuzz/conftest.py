"""Fixtures for `loadspec fuzz`: gateways on free ports, a catch-all server, the CLI in-process."""

from __future__ import annotations

# Nothing here imports locust: schemathesis' pytest plugin has already imported urllib3 when
# this file loads, and locust's gevent patching would then fail (see test_isolation.py).
import json
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from loadspec.cli import main
from loadspec.stub import Faults, StubServer
from tests.local_server import serving

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "fuzz-test-token-8a1f3c"  # pinned in assertions: it must never reach any output
SEED = "7"


@dataclass
class CliRun:
    """One in-process `loadspec` run."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `loadspec ARGS...` in-process from the project root; returns code, stdout, stderr."""
    monkeypatch.chdir(ROOT)

    def run(*argv: str) -> CliRun:
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)

    return run


def _gateway(**faults: Any) -> Iterator[StubServer]:
    stub = StubServer(
        tokens=(TOKEN,), activation_delay="0", message_delay="10", seed=5, faults=Faults(**faults)
    )
    with stub:
        yield stub


@pytest.fixture(scope="package")
def gateway() -> Iterator[StubServer]:
    """The embedded gateway with no fault, accepting TOKEN."""
    yield from _gateway()


@pytest.fixture(scope="package")
def broken_gateway() -> Iterator[StubServer]:
    """The embedded gateway with its contract-breaking fault on for every 2xx answer."""
    yield from _gateway(contract_break_rate=1.0)


@dataclass
class CatchAll:
    """A loopback server that answers `200 {}` to everything and records each request line."""

    url: str = ""
    seen: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> set[tuple[str, str]]:
        with self.lock:
            return {(method, path.split("?", 1)[0]) for method, path in self.seen}


def _handler(state: CatchAll) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(length)
            with state.lock:
                state.seen.append((self.command, self.path))
            body = json.dumps({}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _answer
        do_TRACE = do_QUERY = _answer

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def catch_all() -> Iterator[CatchAll]:
    """A catch-all server on a free loopback port, shut down after the test."""
    state = CatchAll()
    with serving(_handler(state)) as url:
        state.url = url
        yield state


def write_spec(
    folder: Path,
    name: str,
    endpoint: str,
    swagger: str,
    *,
    body: str = "",
    status: str = "verified",
    token: str = "staff",
) -> Path:
    """A minimal spec file whose main request calls `endpoint`."""
    method, path = endpoint.split(" ", 1)
    spec = folder / name
    spec.write_text(
        f'---\nendpoint: "{endpoint}"\nswagger: {swagger}\nstatus: {status}\n---\n\n'
        f"# {name}\n\n## Test Request\n```yaml\nsteps:\n  - id: main_request\n"
        f'    method: {method}\n    path: "{path}"\n    token: {token}\n{body}'
        "    expect:\n      status: 200\n```\n",
        encoding="utf-8",
    )
    return spec


def lines_with(text: str, needle: str) -> Sequence[str]:
    return [line for line in text.splitlines() if needle in line]
