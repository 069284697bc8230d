"""A gateway on another address, one public listener on the master, callbacks relayed to workers.

Issue 9's first two "done when" lines, with every process real: `loadspec stub --host
127.0.0.2`, a Locust master whose listener alone binds 127.0.0.3 (and is advertised there
with --webhook-url), and two workers with no listener the gateway knows of. 127.0.0.2 and
127.0.0.3 are loopback addresses (127.0.0.0/8): nothing leaves the machine.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.load.runs import read_stats

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

SPEC = "specs/communication/post_business_communication_messages_on_active_channel.md"
TOKEN = "remote-gateway-token-7a41"  # pinned: it must never reach any output
SECRET = "remote-gateway-secret-03bd"
GATEWAY, PUBLIC = "127.0.0.2", "127.0.0.3"
LOCUST = (sys.executable, "-m", "locust", "-f", "locustfiles/specs.py", "--specs", SPEC)


def free_port(host: str) -> int:
    """A port nobody listens on right now, on `host`."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def env() -> dict[str, str]:
    """Every process's environment: the token, the shared secret on both sides."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_")}
    return {
        **base,
        "LOADSPEC_TOKEN_STAFF": TOKEN,
        "LOADSPEC_WEBHOOK_SECRET": SECRET,
        "LOADSPEC_STUB_WEBHOOK_SECRET": SECRET,
    }


@pytest.fixture
def gateway(request: pytest.FixtureRequest) -> Iterator[str]:
    """`loadspec stub --host 127.0.0.2`, signing callbacks as the test's parameter says."""
    port = free_port(GATEWAY)
    scheme = getattr(request, "param", "jwt")
    command = [sys.executable, "-m", "loadspec", "stub", "--host", GATEWAY, "--port", str(port)]
    command += ["--token", TOKEN, "--activation-delay", "50", "--message-delay", "10"]
    command += ["--callback-signature", scheme]
    process = subprocess.Popen(command, cwd=ROOT, env=env(), stdout=subprocess.DEVNULL)
    url = f"http://{GATEWAY}:{port}"
    try:
        _ready(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _ready(url: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/__stub/stats", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the gateway at {url} did not start")


def distributed_run(tmp: Path, host: str, scheme: str) -> tuple[int, str, list[str]]:
    """Master (listener on 127.0.0.3 only) plus two workers; (master rc, its log, workers')."""
    listen, bus = free_port(PUBLIC), free_port("127.0.0.1")
    master = [*LOCUST, "--master", "--master-bind-host", "127.0.0.1"]
    master += ["--master-bind-port", str(bus), "--expect-workers", "2", "--headless"]
    master += ["-u", "4", "-r", "4", "-t", "3s", "--host", host, "--csv", str(tmp / "run")]
    master += ["--webhook-listen", f"{PUBLIC}:{listen}", "--webhook-signature", scheme]
    master += ["--webhook-url", f"http://{PUBLIC}:{listen}/callbacks"]
    worker = [*LOCUST, "--worker", "--master-host", "127.0.0.1", "--master-port", str(bus)]
    options = {"cwd": ROOT, "env": env(), "stderr": subprocess.PIPE, "text": True}
    head = subprocess.Popen(master, **options)  # type: ignore[call-overload]
    workers = [subprocess.Popen(worker, **options) for _ in range(2)]  # type: ignore[call-overload]
    _, said = head.communicate(timeout=120)
    logs = [w.communicate(timeout=60)[1] for w in workers]
    (tmp / "master.log").write_text(said)
    for n, log in enumerate(logs):
        (tmp / f"worker{n}.log").write_text(log)
    return head.returncode, said, logs


def worker_summary(log: str) -> tuple[int, dict[str, int]]:
    """(requests sent, callback outcomes) from a worker's closing line."""
    found = re.search(r"this worker sent (\d+) requests; callbacks: (.*)", log)
    assert found, log[-2000:]
    outcomes = dict(part.rsplit(" ", 1) for part in found[2].split(", ") if part != "none")
    return int(found[1]), {k: int(v) for k, v in outcomes.items()}


@pytest.mark.parametrize(
    ("gateway", "scheme"), [("jwt", "jwt"), ("hmac-sha256", "hmac-sha256")], indirect=["gateway"]
)
def test_callbacks_reach_the_waiting_workers_through_the_masters_listener(
    tmp_path: Path, gateway: str, scheme: str
) -> None:
    """Every wait completes on both workers, though only the master's listener is public."""
    code, said, logs = distributed_run(tmp_path, gateway, scheme)
    rows = read_stats(tmp_path / "run_stats.csv")
    assert code == 0, said[-3000:]
    waits = rows[("WAIT", "channel_active")]
    assert waits.requests > 0 and waits.failures == 0, rows
    assert rows[("CALLBACK", "channel.status (relayed)")].requests == waits.requests
    assert all(row.failures == 0 for row in rows.values()), rows
    for log in logs:
        sent, outcomes = worker_summary(log)
        assert outcomes.get("matched", 0) > 0 and sent > 2 * outcomes["matched"], log[-2000:]
    assert f"advertised as http://{PUBLIC}" in said
    assert TOKEN not in said + "".join(logs) and SECRET not in said + "".join(logs)


@pytest.mark.parametrize("gateway", ["jwt"], indirect=True)
def test_a_listener_on_hmac_rejects_jwt_signed_callbacks_and_the_waits_fail(
    tmp_path: Path, gateway: str
) -> None:
    """A scheme mismatch is visible: every callback rejected and counted, every wait failed."""
    code, said, _ = distributed_run(tmp_path, gateway, "hmac-sha256")
    rows = read_stats(tmp_path / "run_stats.csv")
    assert code == 1, said[-3000:]
    channels = rows[("POST", "/business/communication/channels")].requests
    rejected = rows[("CALLBACK", "rejected")]
    assert channels > 0 and rejected.requests == rejected.failures == channels, rows
    waits = rows[("WAIT", "channel_active")]
    assert waits.failures == waits.requests == channels, rows
    assert ("POST", "/business/communication/messages") not in rows
