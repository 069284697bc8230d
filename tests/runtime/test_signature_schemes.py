"""The listener's signature schemes, bind address and public URL (issue 9), in one process."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import re
import threading
import urllib.error
import urllib.request

import gevent
import pytest

from loadspec.config.project import Project
from loadspec.config.settings import RunSettings
from loadspec.config.table import Command
from loadspec.errors import ConfigError
from loadspec.webhooks import CallbackBox, Listener
from loadspec.webhooks.signing import Scheme, Verifier, hmac_signature, sign_callback

SECRET = "scheme-test-secret-3c9f"
HEADER = "X-Hub-Signature-256"


def body(uid: str = "ch-1", delivery: str = "d1") -> bytes:
    """A channel.status callback about `uid`."""
    payload = {"id": delivery, "event": "channel.status", "data": {"uid": uid, "status": "ok"}}
    return json.dumps(payload).encode()


def post(url: str, data: bytes, headers: dict[str, str]) -> int:
    """POST from an OS thread while this test's gevent hub serves the listener."""
    answers: list[int] = []

    def send() -> None:
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                answers.append(int(response.status))
        except urllib.error.HTTPError as exc:
            answers.append(int(exc.code))

    thread = threading.Thread(target=send)
    thread.start()
    while thread.is_alive():
        gevent.sleep(0.01)
    return answers[0]


def listening(scheme: Scheme, **kwargs: object) -> tuple[Listener, CallbackBox]:
    """A started listener verifying `scheme`."""
    box = CallbackBox(events=frozenset({"channel.status"}))
    verifier = Verifier(scheme, SECRET, HEADER, 300.0)
    return Listener(box, SECRET, verifier=verifier, **kwargs).start(), box  # type: ignore[arg-type]


def hex_hmac(data: bytes) -> str:
    """The HMAC-SHA256 of `data`, hex, as a GitHub-style sender writes it."""
    return hmac.new(SECRET.encode(), data, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    "signature",
    [
        lambda data: "sha256=" + hex_hmac(data),
        hex_hmac,
        lambda data: base64.b64encode(bytes.fromhex(hex_hmac(data))).decode(),
        lambda data: hmac_signature(data, SECRET),
    ],
    ids=["prefixed-hex", "bare-hex", "base64", "our-signer"],
)
def test_hmac_sha256_accepts_every_common_encoding(signature: object) -> None:
    """GitHub's `sha256=<hex>`, a bare hex digest and base64 all verify."""
    server, box = listening(Scheme.HMAC_SHA256)
    try:
        data = body()
        assert post(server.url, data, {HEADER: signature(data)}) == 200  # type: ignore[operator]
        assert box.counts == {"kept": 1}
    finally:
        server.stop()


def test_hmac_sha256_rejects_a_forged_body_and_a_jwt() -> None:
    """A signature of other bytes, or the JWT scheme's header, is rejected and counted."""
    server, box = listening(Scheme.HMAC_SHA256)
    try:
        data = body()
        assert post(server.url, data, {HEADER: "sha256=" + hex_hmac(b"other")}) == 401
        jwt_signed = {"Authorization": sign_callback(data, SECRET)}
        assert post(server.url, body(delivery="d2"), jwt_signed) == 401
        assert box.counts == {"rejected": 2}
    finally:
        server.stop()


def test_jwt_listener_rejects_an_hmac_signed_callback() -> None:
    """The default scheme stays the JWT: an HMAC header alone is not a signature to it."""
    server, box = listening(Scheme.JWT)
    try:
        data = body()
        assert post(server.url, data, {HEADER: hmac_signature(data, SECRET)}) == 401
        assert (
            post(server.url, body(delivery="d2"), {"Authorization": sign_callback(data, SECRET)})
            == 401
        )
        signed = body(delivery="d3")
        assert post(server.url, signed, {"Authorization": sign_callback(signed, SECRET)}) == 200
        assert box.counts == {"rejected": 2, "kept": 1}
    finally:
        server.stop()


def test_none_accepts_unsigned_callbacks() -> None:
    """`none` is an explicit choice: any JSON callback is taken."""
    server, box = listening(Scheme.NONE)
    try:
        assert post(server.url, body(), {}) == 200
        assert box.counts == {"kept": 1}
    finally:
        server.stop()


def test_the_listener_binds_where_told_and_advertises_the_public_url() -> None:
    """{{webhook_url}} is the public URL; POSTs to its path reach the listener too."""
    server, box = listening(
        Scheme.NONE, bind=("127.0.0.3", 0), public_url="https://hooks.example.test/in/loadspec"
    )
    try:
        assert server.url == "https://hooks.example.test/in/loadspec"
        assert server.local_url.startswith("http://127.0.0.3:")
        port = server.local_url.split(":")[2].split("/")[0]
        assert post(f"http://127.0.0.3:{port}/in/loadspec", body(), {}) == 200
        assert post(f"http://127.0.0.3:{port}/elsewhere", body(delivery="d2"), {}) == 404
        assert box.counts == {"kept": 1}
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("webhook_listen", "127.0.0.1", "is not HOST:PORT"),
        ("webhook_listen", "127.0.0.1:99999", "is not HOST:PORT"),
        ("webhook_url", "ftp://x", "is not an http(s) URL"),
        ("webhook_signature", "rsa", "expected one of jwt, hmac-sha256, none"),
    ],
)
def test_bad_listener_options_are_configuration_errors(
    option: str, value: str, message: str
) -> None:
    """A bad address, URL or scheme is one line, exit 2 (a ConfigError), never a traceback."""
    given = argparse.Namespace(specs="a.md", **{option: value})
    with pytest.raises(ConfigError, match=re.escape(message)):
        RunSettings.build(Command.LOCUST, given, project=Project(), environ={})
