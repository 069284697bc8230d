"""The gateway killed mid-run and restarted 5 s later: the run recovers, every failure counted."""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadspec.config.load import DEFAULT_RATE_ENV as RATE_ENV
from loadspec.stub.config import DEFAULT_TOKEN
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET, SECRET_ENV
from tests.conftest import ROOT
from tests.load.runs import LOCUST, free_port, read_failures, read_stats

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

USERS = 4
MESSAGES = ("POST", "/business/communication/messages")
USER_CLASS = "PostBusinessCommunicationMessagesOnActiveChannel"
DEVELOPMENT = {"LOADSPEC_TOKEN_STAFF": DEFAULT_TOKEN, SECRET_ENV: DEFAULT_WEBHOOK_SECRET}
AGAIN = ("SETUP", "post_business_communication_messages_on_active_channel (prerequisites again)")


def start_gateway(port: int) -> subprocess.Popen[bytes]:
    """`loadspec stub --port PORT` in its own process, once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "loadspec", "stub", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/__stub/health", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the gateway did not start within 30 s")


def gateway_stats(port: int) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(f"http://127.0.0.1:{port}/__stub/stats", timeout=5).json()
    return stats


def wait_for_messages(port: int, process: subprocess.Popen[str]) -> None:
    """Until every user is past its setup and sending messages."""
    deadline = time.monotonic() + 30
    while True:
        created = gateway_stats(port)["created"]
        if created["channels"] == USERS and created["messages"] >= 50:
            break
        assert process.poll() is None and time.monotonic() < deadline, "no load reached it"
        time.sleep(0.1)
    # Past the slowest activation (1.5 s): no user waits for a callback the kill would lose.
    time.sleep(2)


def first_success_after(history: Path, moment: float) -> float | None:
    """When the messages row first counted a success after `moment` (unix seconds)."""
    before: int | None = None
    with history.open() as handle:
        for row in csv.DictReader(handle):
            if (row["Type"], row["Name"]) != MESSAGES:
                continue
            succeeded = int(row["Total Request Count"]) - int(row["Total Failure Count"])
            stamp = float(row["Timestamp"])
            if stamp <= moment:
                before = succeeded
            elif before is not None and succeeded > before:
                return stamp
    return None


def test_killed_gateway_restarted_on_its_port_the_run_recovers(tmp_path: Path) -> None:
    """Kill -9, 5 s down, restart: refused tries are failures, users make a new channel and
    send again; every request a gateway served is one the client counted."""
    port = free_port()
    gateway = start_gateway(port)
    load = subprocess.Popen(
        [
            *LOCUST,
            "-f",
            "locustfiles/messages.py",
            USER_CLASS,
            "--headless",
            *("-u", str(USERS), "-r", str(USERS), "-t", "22s"),
            *("--host", f"http://127.0.0.1:{port}"),
            *("--csv", str(tmp_path / "run"), "--csv-full-history"),
        ],
        cwd=ROOT,
        # With --host, a run sends only the tokens it is given: the gateway's development one,
        # and verifies callbacks with the secret it is given: the gateway's default one;
        # unpaced (the locustfile's default is 2 iterations a second).
        env={**os.environ, **DEVELOPMENT, RATE_ENV: ""},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_messages(port, load)
        before = gateway_stats(port)
        gateway.send_signal(signal.SIGKILL)
        gateway.wait()
        time.sleep(5)
        gateway = start_gateway(port)
        restarted = time.time()
        _, stderr = load.communicate(timeout=90)
        after = gateway_stats(port)
    finally:
        load.kill()
        gateway.kill()
        gateway.wait()
    assert load.returncode == 1, stderr[-3000:]
    assert "Traceback" not in stderr
    rows = read_stats(tmp_path / "run_stats.csv")
    errors = {
        f["Error"]: int(f["Occurrences"]) for f in read_failures(tmp_path / "run_failures.csv")
    }
    refused = sum(n for e, n in errors.items() if "ConnectionRefusedError" in e)
    vanished = sum(n for e, n in errors.items() if "got 404" in e and "not found" in e)
    # Each user tried again and again while it was down, backed off (0.5 s, 1 s, 2 s, 2 s...).
    assert 3 * USERS <= refused <= 10 * USERS, errors
    assert vanished == USERS, errors  # one 404 each on the vanished channel, then a new one
    assert rows[AGAIN].requests == USERS
    assert after["created"]["channels"] == USERS
    assert after["created"]["messages"] > 0
    # Every failure is one the outage explains: refused, cut off by the kill, vanished.
    unexplained = [e for e in errors if not re.search(r"no response: |got 404", e)]
    assert not unexplained, errors
    assert sum(r.failures for r in rows.values()) == sum(errors.values())
    # No request a gateway served is missing from the statistics (none resent behind them).
    reached = sum(r.requests for r in rows.values() if r.kind in ("GET", "POST")) - refused
    assert before["requests"] + after["requests"] <= reached, (reached, before, after)
    recovered = first_success_after(tmp_path / "run_stats_history.csv", restarted)
    assert recovered is not None and recovered - restarted < 10, (recovered, restarted)
