"""The listener against hostile clients (issue 23), over real sockets on loopback.

A client that stalls, a chunked or smuggled body, a flood of large unclaimed callbacks:
none of them delays a genuine callback or grows the process without bound.
"""

from __future__ import annotations

import argparse
import json
import socket
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from gevent.pywsgi import WSGIServer

from loadspec.config.project import Project
from loadspec.config.settings import RunSettings
from loadspec.config.table import Command
from loadspec.errors import ConfigError
from loadspec.language.reading import load_spec
from loadspec.locust.preflight import check_targets
from loadspec.runtime.compiled import compile_spec
from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.guard import guarded_handler
from loadspec.webhooks.limits import WebhookLimits
from loadspec.webhooks.signing import sign_callback
from tests.conftest import ROOT

from .test_webhook_limits import Reports, _port, _raw, in_background, in_thread, listening
from .test_webhooks import SECRET, callback, post

SLOW = WebhookLimits(max_share=0.25, header_timeout=1.0, body_timeout=1.0)


@pytest.fixture
def hostile() -> Iterator[tuple[Listener, Reports]]:
    """A listener at a quarter share whose head and body deadlines are one second."""
    with listening(SLOW) as running:
        yield running


def hold(port: int, data: bytes, seconds: float) -> tuple[bytes, float]:
    """Send `data` and nothing more: what came back within `seconds`, and after how long."""
    started, answer = time.monotonic(), b""
    with socket.create_connection(("127.0.0.1", port), timeout=seconds) as sock:
        sock.sendall(data)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer, time.monotonic() - started


def timed_callback(listener: Listener, uid: str) -> tuple[int, float]:
    """POST a genuine signed callback: its status and how long the answer took."""
    body = callback("channel.status", uid, "active", delivery=uid)
    started = time.monotonic()
    status = post(listener.url, body, sign_callback(body, SECRET))
    return status, time.monotonic() - started


def chunked(body: bytes, authorization: str, size: int = 7) -> bytes:
    """A POST of `body` in chunks of `size` bytes, then the connection closed."""
    head = (
        "POST /callbacks HTTP/1.1\r\nHost: loopback\r\nContent-Type: application/json\r\n"
        f"Authorization: {authorization}\r\nTransfer-Encoding: chunked\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    pieces = (body[n : n + size] for n in range(0, len(body), size))
    return head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_a_stalled_head_delays_no_other_callback(hostile: Any) -> None:
    """Half a head, held: callbacks during and after it are answered within a second."""
    server, _ = hostile
    holder = in_background(lambda: hold(_port(server), b"POST /callbacks HTTP/1.1\r\nX-", 5))
    assert in_thread(lambda: timed_callback(server, "during"))[1] < 1.0
    answer, took = holder()
    assert answer.startswith(b"HTTP/1.1 408") and took < 3, (answer, took)
    status, took = in_thread(lambda: timed_callback(server, "after"))
    assert status == 200 and took < 1.0, took


def test_a_stalled_body_is_cut_at_its_deadline_and_delays_nobody(hostile: Any) -> None:
    """A body shorter than its Content-Length, held: 408 at the body's deadline, counted."""
    server, _ = hostile
    head = b"POST /callbacks HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + b'{"id": "'
    holder = in_background(lambda: hold(_port(server), head, 5))
    assert in_thread(lambda: timed_callback(server, "during"))[1] < 1.0
    answer, took = holder()
    assert answer.startswith(b"HTTP/1.1 408") and took < 3, (answer, took)
    assert b"Connection: close" in answer and server.box.counts["incomplete"] == 1
    status, took = in_thread(lambda: timed_callback(server, "after"))
    assert status == 200 and took < 1.0, took


@pytest.fixture
def share_app() -> Iterator[tuple[int, Any]]:
    """The listener's handler at a quarter share in front of an app that reads the body."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    handler = guarded_handler(WebhookLimits(max_share=0.25, header_timeout=5))
    server = WSGIServer(("127.0.0.1", 0), app, log=None, handler_class=handler)
    server.start()
    try:
        yield server.server_port, handler
    finally:
        server.stop(timeout=1)


def test_waiting_on_a_slow_client_is_not_counted_in_the_share(share_app: Any) -> None:
    """A request that trickles in over a second costs the time its handling holds the event
    loop, not that second."""
    port, handler = share_app
    body = b'{"slow": true}'
    request = b"POST /callbacks HTTP/1.1\r\nContent-Length: %d\r\n" % len(body)
    pieces = [request[:10], request[10:], b"Connection: close\r\n\r\n", body]

    def trickle() -> bytes:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            for piece in pieces:
                sock.sendall(piece)
                time.sleep(0.3)
            return sock.recv(65536)

    assert in_thread(trickle).endswith(body)
    assert handler.share.used < 0.05, handler.share.used


def test_a_signed_chunked_callback_is_accepted(hostile: Any) -> None:
    """A chunked body is read whole and its signature checked against it."""
    server, reports = hostile
    body = callback("channel.status", "chunky", "active", delivery="chunky")
    answer = in_thread(lambda: _raw(_port(server), chunked(body, sign_callback(body, SECRET))))
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert server.box.wait("chunky", "channel.status", timeout=0)["data"]["uid"] == "chunky"
    assert reports == [("channel.status (kept)", len(body), None)]


def test_a_forged_chunked_callback_is_rejected(hostile: Any) -> None:
    """A chunked body that is not the one signed fails its payload hash: 401, counted."""
    server, reports = hostile
    genuine = callback("channel.status", "chunky", "pending", delivery="chunky")
    forged = callback("channel.status", "chunky", "active", delivery="chunky")
    answer = in_thread(lambda: _raw(_port(server), chunked(forged, sign_callback(genuine, SECRET))))
    assert answer.startswith(b"HTTP/1.1 401"), answer
    assert "payload_hash does not match" in (reports[0][2] or "")
    assert server.box.counts["rejected"] == 1 and server.box.pending == 0


def test_content_length_with_transfer_encoding_gets_400_and_the_connection_closes(
    hostile: Any,
) -> None:
    """Request smuggling: both framings given, one answer (400), nothing read past the head."""
    server, reports = hostile
    smuggled = b"POST /callbacks HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
    data = (
        b"POST /callbacks HTTP/1.1\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"0\r\n\r\n%s" % (5 + len(smuggled), smuggled)
    )
    answer = in_thread(lambda: _raw(_port(server), data))
    assert answer.startswith(b"HTTP/1.1 400") and answer.count(b"HTTP/1.1") == 1, answer
    assert b"Connection: close" in answer
    assert server.box.counts == {"rejected": 1}
    assert reports[0][0] == "rejected" and "Transfer-Encoding" in (reports[0][2] or "")


def test_a_declared_body_past_the_size_limit_gets_413_unread() -> None:
    """A Content-Length past the limit is refused from the head: 413, counted, closed."""
    # 10 KB: past the limit, yet within what pywsgi drains before closing (no reset).
    data = b"POST /callbacks HTTP/1.1\r\nContent-Length: 10000\r\n\r\n" + b"x" * 10_000
    with listening(WebhookLimits(max_body_bytes=4096)) as (running, reports):
        answer = in_thread(lambda: _raw(_port(running), data))
    assert answer.startswith(b"HTTP/1.1 413") and running.box.counts == {"rejected": 1}, answer
    assert reports == [
        ("rejected", 10_000, "callback refused: callback body larger than 4096 bytes")
    ]


def test_a_chunked_body_past_the_size_limit_gets_413() -> None:
    """A chunked body is bounded as a sized one is: 413 once past the limit, then closed."""
    body = b'{"pad": "' + b"x" * 10_000 + b'"}'
    data = chunked(body, sign_callback(body, SECRET), size=1000)
    with listening(WebhookLimits(max_body_bytes=4096)) as (running, _):
        answer = in_thread(lambda: _raw(_port(running), data))
    assert answer.startswith(b"HTTP/1.1 413") and running.box.counts == {"rejected": 1}, answer


def large(uid: str, size: int) -> bytes:
    """A callback for `uid` of about `size` bytes."""
    data = {"uid": uid, "pad": "x" * size}
    return json.dumps({"id": uid, "event": "channel.status", "data": data}).encode()


def test_kept_callbacks_are_bounded_in_bytes() -> None:
    """150 unclaimed callbacks of 1 MB keep at most the bound: the oldest dropped, counted."""
    box = CallbackBox(capacity_bytes=8 << 20)
    tracemalloc.start()
    try:
        for n in range(150):
            body = large(f"u{n}", 1 << 20)
            box.deliver(json.loads(body), f"d{n}", len(body))
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert box.pending_bytes <= 8 << 20 and box.pending == 7
    assert box.counts == {"kept": 150, "dropped": 143}
    assert held < 12 << 20, held
    assert box.wait("u149", None, timeout=0) is not None
    assert box.wait("u0", None, timeout=0) is None
    assert box.pending == 6 and box.pending_bytes < 7 << 20


def test_the_listener_keeps_large_callbacks_within_the_bound() -> None:
    """Over real sockets: each body counts at its size; the oldest goes first."""
    bodies = [large(f"u{n}", 200_000) for n in range(12)]
    with listening(WebhookLimits(max_pending_bytes=1 << 20)) as (running, _):
        url = running.url
        statuses = in_thread(lambda: [post(url, b, sign_callback(b, SECRET)) for b in bodies])
    box = running.box
    assert statuses == [200] * 12
    assert box.pending == 5 and box.pending_bytes <= 1 << 20
    assert box.counts == {"kept": 12, "dropped": 7}
    assert box.wait("u11", None, timeout=0) is not None
    assert box.wait("u6", None, timeout=0) is None


def test_a_relayed_callback_without_its_size_is_measured() -> None:
    """A callback handed over without its body's size counts as its compact JSON."""
    box = CallbackBox(capacity_bytes=1000)
    payload = {"event": "e", "data": {"uid": "u", "pad": "x" * 300}}
    for n in range(5):
        box.deliver({**payload, "id": n}, f"d{n}")
    assert box.pending == 2 and box.counts["dropped"] == 3
    assert box.pending_bytes == 2 * len(json.dumps({**payload, "id": 0}, separators=(",", ":")))


def locust_settings(*argv: str, **environ: str) -> RunSettings:
    """A Locust process's settings from its command line and environment."""
    pairs = dict(zip(argv[::2], argv[1::2], strict=True))
    given = {k.removeprefix("--").replace("-", "_"): v for k, v in pairs.items()}
    namespace = argparse.Namespace(specs="a.md", **given)
    return RunSettings.build(Command.LOCUST, namespace, project=Project(), environ=environ)


def test_pending_bytes_is_an_option_with_a_sane_default() -> None:
    """32 MiB: about 20,000 callbacks of 1.6 KB, where the count cap alone allowed 20 GB."""
    assert locust_settings().webhooks.max_pending_bytes == 32 << 20
    assert CallbackBox.limited(WebhookLimits(), frozenset()).capacity_bytes == 32 << 20
    given = locust_settings("--webhook-max-pending-bytes", "1048576")
    assert given.webhooks.max_pending_bytes == 1 << 20
    variable = locust_settings(LOADSPEC_WEBHOOK_MAX_PENDING_BYTES="4096")
    assert variable.webhooks.max_pending_bytes == 4096
    with pytest.raises(ConfigError, match="must be a whole number >= 1"):
        locust_settings("--webhook-max-pending-bytes", "0")


def test_a_head_cut_off_is_no_callback(hostile: Any) -> None:
    """A client that hangs up inside the head sent no request: nothing is counted."""
    server, reports = hostile

    def cut() -> bytes:
        with socket.create_connection(("127.0.0.1", _port(server)), timeout=5) as sock:
            sock.sendall(b"POST /callbacks HTTP/1.1\r\nContent-Type: appli")
            sock.shutdown(socket.SHUT_WR)
            return sock.recv(65536)

    assert in_thread(cut).startswith(b"HTTP/1.1 400")
    assert server.box.counts == {} and reports == []


ACTIVE = ROOT / "specs/communication/post_business_communication_messages_on_active_channel.md"


@pytest.mark.parametrize(
    ("argv", "environ", "refused"),
    [
        ((), {}, True),
        ((), {"LOADSPEC_WEBHOOK_SECRET": "the-gateways-own"}, False),
        (("--webhook-signature", "none"), {}, False),
        (("--webhook-signature", "hmac-sha256"), {}, True),
    ],
)
def test_a_named_host_needs_the_secret_its_callbacks_are_signed_with(
    argv: tuple[str, ...], environ: dict[str, str], refused: bool, monkeypatch: Any
) -> None:
    """Waits trust callbacks: from a named host, verified with its secret or explicitly not."""
    monkeypatch.setenv("LOADSPEC_TOKEN_STAFF", "a-token")
    active = compile_spec(load_spec(ACTIVE).spec)
    quiet = compile_spec(load_spec(ROOT / "tests/data/load/chain.md").spec)
    with socket.create_server(("127.0.0.1", 0)) as gateway:
        host = argparse.Namespace(host=f"http://127.0.0.1:{gateway.getsockname()[1]}")
        settings = locust_settings(*argv, **environ)
        check_targets(host, settings, [quiet])  # no wait: no secret needed
        if not refused:
            check_targets(host, settings, [quiet, active])
            return
        with pytest.raises(ConfigError) as caught:
            check_targets(host, settings, [quiet, active])
    assert str(caught.value) == (
        f"{host.host}: a spec waits for callbacks "
        "(post_business_communication_messages_on_active_channel.md): set "
        "LOADSPEC_WEBHOOK_SECRET to the secret that gateway signs them with (the default is "
        "the embedded gateway's, published), or give --webhook-signature none to take them "
        "unsigned"
    )
