"""The gateway killed and restarted under load, for `python -m bench reliability`."""

from __future__ import annotations

import csv
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._reliability_runs import (
    CHAIN,
    ENV,
    LOCUST,
    MESSAGES,
    ROOT,
    Run,
    free_port,
    get_json,
    read_run,
    start_gateway,
)

USERS = 4


@dataclass(frozen=True, slots=True)
class Outage:
    """What the gateways said around the kill, and when it happened."""

    before: dict[str, Any]
    after: dict[str, Any]
    killed: float
    restarted: float
    run: Run


def _load(folder: Path, port: int) -> subprocess.Popen[str]:
    folder.mkdir(parents=True, exist_ok=True)
    shape = ("-u", str(USERS), "-r", str(USERS), "-t", "22s", "--host", f"http://127.0.0.1:{port}")
    reports = ("--csv", str(folder / "run"), "--csv-full-history")
    return subprocess.Popen(
        [*LOCUST, "-f", "locustfiles/messages.py", CHAIN, "--headless", *shape, *reports],
        cwd=ROOT,
        env=ENV,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _settled(url: str, load: subprocess.Popen[str]) -> None:
    """Until every user sends messages, past the slowest activation."""
    deadline = time.monotonic() + 60
    while (made := get_json(url)["created"])["channels"] < USERS or made["messages"] < 50:
        if load.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"reliability: the load did not start:\n{load.communicate()[1]}")
        time.sleep(0.1)
    time.sleep(2)  # no user then waits for an activation callback the kill would lose


def outage(folder: Path) -> Outage:
    """Run the load, kill -9 its gateway, restart it on its port 5 s later."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/__stub/stats"
    gateway = start_gateway(port)
    load = _load(folder, port)
    try:
        _settled(url, load)
        before = get_json(url)
        gateway.send_signal(signal.SIGKILL)
        gateway.wait()
        killed = time.time()
        time.sleep(5)
        gateway = start_gateway(port)
        restarted = time.time()
        _, log = load.communicate(timeout=120)
        after = get_json(url)
    finally:
        load.kill()
        gateway.kill()
        gateway.wait()
    return Outage(before, after, killed, restarted, read_run(load.returncode, log, folder))


def _first_success(history: Path, moment: float) -> float | None:
    """When the messages row first counted a success after `moment` (unix seconds)."""
    before = None
    with history.open() as handle:
        for r in csv.DictReader(handle):
            if (r["Type"], r["Name"]) != MESSAGES:
                continue
            ok = int(r["Total Request Count"]) - int(r["Total Failure Count"])
            if float(r["Timestamp"]) <= moment:
                before = ok
            elif before is not None and ok > before:
                return float(r["Timestamp"])
    return None


def restart(work: Path) -> tuple[str, bool]:
    """The gateway killed (-9) and restarted on its port 5 s later under a running load."""
    folder = work / "restart"
    seen = outage(folder)
    errors = seen.run.errors
    refused = sum(n for e, n in errors.items() if "ConnectionRefusedError" in e)
    vanished = sum(n for e, n in errors.items() if "got 404" in e)
    again = sum(r.requests for r in seen.run.rows.values() if r.kind == "SETUP")
    reached = sum(r.requests for r in seen.run.requests) - refused
    served = seen.before["requests"] + seen.after["requests"]
    back = _first_success(folder / "run_stats_history.csv", seen.restarted)
    recovered = back is not None and back - seen.restarted < 10
    held = recovered and again == USERS and served <= reached
    seconds = f"{back - seen.restarted:.0f} s" if back is not None else "never"
    created = seen.after["created"]
    text = f"""{USERS} users of the seed's chain against `loadspec stub --port P`, killed with
SIGKILL, restarted on the same port {seen.restarted - seen.killed:.1f} s later:

- while it was down: {refused} refused tries, each a failure, backed off (0.5 s, 1 s, then
  every 2 s);
- after: {vanished} x `404` on the vanished channel, then {again} `SETUP ... (prerequisites
  again)`: every user made a new channel ({created["channels"]} created) and sent
  {created["messages"]} messages;
- messages succeeded again {seconds} after the gateway answered;
- every request a gateway served is one the statistics count: {served} served, {reached}
  counted as sent (the few more: in flight at the kill, or sent between reading the first
  gateway's count and the kill).

Recovered and counted: {"yes" if held else "**no**"}.
"""
    return text, held
