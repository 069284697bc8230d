"""No request leaves the run's hosts, and whatever a server sends is a counted failure.

Two loopback servers: the target (127.0.0.1), and another host (127.0.0.2) that must never be
reached; each case is a real headless Locust run against the target.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.load.runs import read_failures, run_locust

pytestmark = pytest.mark.slow  # every test here starts real Locust and server processes

_BOMB = gzip.compress(b"\0" * 64_000_000, compresslevel=9)  # about 62 KB on the wire


class _Other(BaseHTTPRequestHandler):
    """The host nothing may reach: it only counts what arrives."""

    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Other.seen.append(f"{self.path} {self.headers.get('Authorization')}")
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        """Quiet."""


class _Target(BaseHTTPRequestHandler):
    """The run's host: each path a hostile answer."""

    protocol_version = "HTTP/1.1"
    other: ClassVar[str] = ""

    def do_GET(self) -> None:
        if self.path == "/next":
            return self._send(200, json.dumps({"next": f"{self.other}/stolen"}).encode())
        if self.path == "/redirect":
            return self._send(302, b"", {"Location": f"{self.other}/redirected"})
        if self.path == "/latin1":
            body = "Service indisponible, réessayez".encode("latin-1")
            return self._send(503, body, {"Content-Type": "text/plain; charset=iso-8859-1"})
        if self.path == "/bomb":
            return self._send(200, _BOMB, {"Content-Encoding": "gzip"})
        return self._send(200, b'{"ok": true}')

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def _serve(address: str, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((address, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def hosts() -> Iterator[tuple[str, str]]:
    """(the target's URL, the other host's URL); the other's hits start empty."""
    other = _serve("127.0.0.2", _Other)
    _Other.seen.clear()
    _Target.other = f"http://127.0.0.2:{other.server_address[1]}"
    target = _serve("127.0.0.1", _Target)
    try:
        yield f"http://127.0.0.1:{target.server_address[1]}", _Target.other
    finally:
        for server in (target, other):
            server.shutdown()
            server.server_close()


def _spec(tmp: Path, name: str, steps: str) -> Path:
    """A spec whose Test Request runs every step of `steps`, named by the first one's path."""
    folder = tmp / "specs"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.md"
    first = re.search(r"path: (.*)", steps)
    endpoint = first[1].strip('"') if first else "/"
    path.write_text(
        f"---\nendpoint: GET {endpoint}\nstatus: verified\ntokens: [staff]\n"
        f"testRequestSteps: all\n---\n# {name}\n\n## Test Request\n\n```yaml\nsteps:\n{steps}```\n"
    )
    return path


def _run(tmp: Path, host: str | None, spec: Path, *more: str) -> tuple[Any, str, list[str]]:
    args = ["-f", "locustfiles/specs.py", "--specs", str(spec), "--headless", "-u", "1"]
    args += ["-t", "3s", *(["--host", host] if host else []), *more]
    done, _ = run_locust(tmp, *args, env={"LOADSPEC_TOKEN_STAFF": "tok-4f1d9c"}, timeout=120)
    failures_csv = tmp / "run_failures.csv"
    errors = [row["Error"] for row in read_failures(failures_csv)] if failures_csv.is_file() else []
    return done, done.stdout + done.stderr, errors


FOLLOW = """  - id: first
    method: GET
    path: /next
    extract: {{next: $.next}}
  - id: follow
    method: GET
    path: "{{{{next}}}}"{absolute}
"""


def test_an_extracted_link_to_another_host_is_refused(
    hosts: tuple[str, str], tmp_path: Path
) -> None:
    """A reply's `next` link to another loopback host: refused, counted, never sent; with
    absoluteUrl: true still refused, unless --allow-host names that host."""
    target, _ = hosts
    plain = _spec(tmp_path, "follow", FOLLOW.format(absolute=""))
    done, output, errors = _run(tmp_path, target, plain)
    assert done.returncode == 1, output[-2000:]
    assert any("follow: refused: path 'http://127.0.0.2:" in e for e in errors), errors
    assert any("is not a path on the run's host" in e for e in errors), errors
    absolute = _spec(tmp_path, "follow", FOLLOW.format(absolute="\n    absoluteUrl: true"))
    done, output, errors = _run(tmp_path, target, absolute)
    assert any("follow: refused: 127.0.0.2 is not an allowed host" in e for e in errors), errors
    assert _Other.seen == []
    done, output, _ = _run(tmp_path, target, absolute, "--allow-host", "127.0.0.2")
    assert _Other.seen and all("tok-4f1d9c" in hit for hit in _Other.seen), output[-2000:]


def test_a_path_with_userinfo_or_two_slashes_is_refused(
    hosts: tuple[str, str], tmp_path: Path
) -> None:
    """A run variable `@other:port/x` (the host after userinfo) and `//other/x`: refused."""
    target, other = hosts
    steps = "  - id: ok\n    method: GET\n    path: /ok\n  - id: sneak\n    method: GET\n"
    steps += '    path: "{{evil}}"\n'
    spec = _spec(tmp_path, "sneak", steps)
    host_and_port = other.removeprefix("http://")
    for evil in (f"@{host_and_port}/x", f"//{host_and_port}/x"):
        done, output, errors = _run(tmp_path, target, spec, "--var", f"evil={evil}")
        assert done.returncode == 1, output[-2000:]
        assert any("sneak: refused: path" in e for e in errors), (evil, errors)
    assert _Other.seen == []


def test_a_fallback_host_without_a_host_stops_the_run(
    hosts: tuple[str, str], tmp_path: Path
) -> None:
    """No --host (the embedded gateway, its development token) and --fallback-host: exit 2."""
    _, other = hosts
    spec = _spec(
        tmp_path, "fallback", "  - id: f\n    method: GET\n    path: /x\n    useFallback: true\n"
    )
    done, output, _ = _run(tmp_path, None, spec, "--fallback-host", other)
    assert done.returncode == 2, output[-2000:]
    assert "--fallback-host" in done.stderr and "without --host" in done.stderr
    assert _Other.seen == []


def test_a_redirect_is_the_steps_answer_never_followed(
    hosts: tuple[str, str], tmp_path: Path
) -> None:
    """A 302 to another host is what the step gets: it can expect it; nothing goes there."""
    target, _ = hosts
    steps = "  - id: moved\n    method: GET\n    path: /redirect\n    expect: {status: 302}\n"
    done, output, errors = _run(tmp_path, target, _spec(tmp_path, "moved", steps))
    assert done.returncode == 0 and errors == [], output[-2000:]
    assert _Other.seen == []


def test_a_503_in_latin_1_is_a_counted_failure(hosts: tuple[str, str], tmp_path: Path) -> None:
    """Not UTF-8: once a traceback and nothing counted; now each one a failure, FAILED."""
    target, _ = hosts
    steps = "  - id: busy\n    method: GET\n    path: /latin1\n"
    done, output, errors = _run(tmp_path, target, _spec(tmp_path, "busy", steps))
    assert done.returncode == 1
    assert any("busy: expected status 200, got 503" in e for e in errors), errors
    assert "Verdict: FAILED" in output and "Traceback" not in output


def test_a_gzip_bomb_is_a_failure_and_never_inflated(
    hosts: tuple[str, str], tmp_path: Path
) -> None:
    """62 KB that would inflate to 64 MB, with --max-body-bytes 1MB: a failure that says so."""
    target, _ = hosts
    steps = "  - id: bomb\n    method: GET\n    path: /bomb\n"
    done, output, errors = _run(
        tmp_path, target, _spec(tmp_path, "bomb", steps), "--max-body-bytes", "1MB"
    )
    assert done.returncode == 1, output[-2000:]
    assert any("body larger than 1000000 bytes once decompressed" in e for e in errors), errors


CRASHING = """
import loadspec.runtime.engine as engine
from loadspec.locust import spec_users

globals().update(spec_users())


def crash(self):
    raise RuntimeError("boom in the engine")


engine.SpecRunner.iteration = crash
"""


def test_a_crashed_iteration_fails_the_run_whatever_the_thresholds(
    hosts: tuple[str, str], tmp_path: Path
) -> None:
    """An uncaught error in an iteration is a CRASH row, named in the verdict: never PASSED."""
    target, _ = hosts
    spec = _spec(tmp_path, "steady", "  - id: ok\n    method: GET\n    path: /ok\n")
    (tmp_path / "crashing.py").write_text(CRASHING)
    args = ["-f", str(tmp_path / "crashing.py"), "--specs", str(spec), "--host", target]
    args += ["--headless", "-u", "1", "-t", "2s", "--threshold", "fail_rate<100%"]
    done, _ = run_locust(tmp_path, *args, env={"LOADSPEC_TOKEN_STAFF": "tok-4f1d9c"})
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-2000:]
    assert "iterations crashed: steady (RuntimeError: boom in the engine)" in output
    errors = [row["Error"] for row in read_failures(tmp_path / "run_failures.csv")]
    assert errors == ["RuntimeError: boom in the engine"]
