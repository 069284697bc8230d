"""The seed spec's flow, by hand with curl, as a newcomer would try it (docs/stub.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import pytest

from loadspec.stub import DEFAULT_TOKEN

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl")
GW = "/business/communication"


@contextmanager
def _background(*argv: str) -> Iterator[tuple[str, IO[str]]]:
    """Run a loopback server; yield the URL its first line names and its stdout."""
    proc = subprocess.Popen(
        [sys.executable, *argv], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert proc.stdout is not None
    try:
        url = proc.stdout.readline().split()[-1].rstrip("/")
        yield url, proc.stdout
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


def _curl(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    command = [
        "curl",
        "-sS",
        "-X",
        method,
        url,
        "-H",
        f"Authorization: Bearer {DEFAULT_TOKEN}",
        "-w",
        "\n%{http_code}",
    ]
    if body is not None:
        command += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    out = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True).stdout
    text, _, code = out.rpartition("\n")
    return int(code), json.loads(text)


def _read_until(stream: IO[str], needle: str, timeout: float = 10.0) -> str:
    deadline, seen = time.monotonic() + timeout, ""
    while needle not in seen and time.monotonic() < deadline:
        seen += stream.readline()
    return seen


def test_the_seed_flow_with_curl() -> None:
    """Channel pending -> callback -> active; message 201, replay 200; pending channel refused."""
    cli = "from loadspec.cli import main; import sys; sys.exit(main())"
    with (
        _background("-c", cli, "stub", "--port", "0", "--activation-delay", "400") as (stub, _),
        _background("-m", "loadspec.stub.listen", "--port", "0") as (hook, printed),
    ):
        code, created = _curl(
            "POST",
            f"{stub}{GW}/channels",
            {
                "business_uid": "mybusiness0001",
                "type": "transactional",
                "callback_url": f"{hook}/callbacks",
            },
        )
        channel = created["data"]["channel"]
        assert (code, channel["status"]) == (201, "pending")

        message = {
            "channel_uid": channel["uid"],
            "external_uid": "test-external-1",
            "message": "Test message",
            "message_uid": "test-msg-1",
        }
        code, refused = _curl("POST", f"{stub}{GW}/messages", message)
        assert code == 409 and refused["errors"][0]["code"] == "invalid"

        callback = _read_until(printed, '"status": "active"')
        assert "signature ok" in callback and channel["uid"] in callback
        code, fetched = _curl("GET", f"{stub}{GW}/channels/{channel['uid']}")
        assert (code, fetched["data"]["channel"]["status"]) == (200, "active")

        code, clients = _curl(
            "GET", f"{stub}/platform/v1/clients?business_id=mybusiness0001&per_page=1"
        )
        assert code == 200 and len(clients["data"]["clients"]) == 1
        message["contact_uid"] = clients["data"]["clients"][0]["id"]
        code, sent = _curl("POST", f"{stub}{GW}/messages", message)
        assert (code, sent["data"]["message"]["status"]) == (201, "pending")
        code, replayed = _curl("POST", f"{stub}{GW}/messages", message)
        assert (code, replayed["data"]["message"]["uid"]) == (200, sent["data"]["message"]["uid"])
        assert '"status": "sent"' in _read_until(printed, '"status": "sent"')
