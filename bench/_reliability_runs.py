"""What `python -m bench reliability` runs: gateways, Locust runs, their reports, memory samples."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil  # a dependency of locust

from bench._report import ROOT
from loadspec.stub.config import DEFAULT_TOKEN
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET, SECRET_ENV

LOCUST = [sys.executable, "-m", "locust"]
MESSAGES = ("POST", "/business/communication/messages")
CHAIN = "PostBusinessCommunicationMessagesOnActiveChannel"
# A run with --host sends only the tokens it is given: here, the gateway's development one;
# it verifies callbacks with the secret it is given: the gateway's default one.
# Every run is unpaced: locustfiles/messages.py defaults to 2 iterations a second.
ENV = {
    **os.environ,
    "LOADSPEC_TOKEN_STAFF": DEFAULT_TOKEN,
    SECRET_ENV: DEFAULT_WEBHOOK_SECRET,
    "LOADSPEC_DEFAULT_ARRIVAL_RATE": "",
}


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_json(url: str) -> Any:
    """GET a loopback URL's JSON."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # loopback only
        return json.load(answer)


def start_gateway(port: int, *flags: str) -> subprocess.Popen[bytes]:
    """`loadspec stub --port PORT FLAGS` in its own process, once it answers."""
    process = subprocess.Popen(
        [sys.executable, "-m", "loadspec", "stub", "--port", str(port), *flags],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            get_json(f"http://127.0.0.1:{port}/__stub/health")
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"reliability: `loadspec stub {' '.join(flags)}` did not start")


@contextmanager
def gateway(*flags: str) -> Iterator[str]:
    """A gateway with these flags for the length of the block; its URL."""
    port = free_port()
    process = start_gateway(port, *flags)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a Locust stats CSV."""

    kind: str
    name: str
    requests: int
    failures: int
    p95_ms: float

    @property
    def fail_share(self) -> float:
        """Failures per request."""
        return self.failures / self.requests if self.requests else 0.0


@dataclass(slots=True)
class Run:
    """A finished Locust run: exit code, log, stats rows, failures, what it wrote."""

    code: int
    log: str
    rows: dict[tuple[str, str], Row]
    errors: Counter[str]
    folder: Path
    samples: list[tuple[float, int]] = field(default_factory=list)

    @property
    def requests(self) -> list[Row]:
        """The rows that are requests (neither waits, callbacks nor setup reruns)."""
        return [r for r in self.rows.values() if r.kind not in ("WAIT", "CALLBACK", "SETUP")]

    def top_errors(self, count: int = 2) -> list[tuple[str, int]]:
        """The most frequent failure messages."""
        return self.errors.most_common(count)


def read_run(code: int, log: str, folder: Path) -> Run:
    """The reports a run with `--csv folder/run` wrote."""
    rows: dict[tuple[str, str], Row] = {}
    stats = folder / "run_stats.csv"
    if stats.is_file():
        with stats.open() as handle:
            for r in csv.DictReader(handle):
                if r["Name"] != "Aggregated":
                    p95 = float(r["95%"]) if r["95%"] not in ("N/A", "") else 0.0
                    row = Row(
                        r["Type"], r["Name"], int(r["Request Count"]), int(r["Failure Count"]), p95
                    )
                    rows[(row.kind, row.name)] = row
    errors: Counter[str] = Counter()
    failures = folder / "run_failures.csv"
    if failures.is_file():
        with failures.open() as handle:
            for r in csv.DictReader(handle):
                errors[f"{r['Method']} {r['Name']}: {r['Error']}"] += int(r["Occurrences"])
    return Run(code, log, rows, errors, folder)


def locust(folder: Path, *args: str, timeout: float = 300) -> Run:
    """`locust ARGS --csv folder/run` to its end."""
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [*LOCUST, *args, "--csv", str(folder / "run")],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=ENV,
    )
    return read_run(done.returncode, done.stderr, folder)


class Watched:
    """A Locust process whose log is read as it comes (listener URL, gateway pid)."""

    def __init__(self, folder: Path, *args: str, nice: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        command = [*LOCUST, *args, "--csv", str(folder / "run"), "--csv-full-history"]
        self.process = subprocess.Popen(
            ["nice", "-n", "19", *command] if nice else command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)

    def find(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """The first log line matching `pattern`, waiting for it."""
        deadline = time.monotonic() + timeout
        compiled = re.compile(pattern)
        seen = 0
        while time.monotonic() < deadline:
            for line in self.lines[seen:]:
                if found := compiled.search(line):
                    return found
            seen = len(self.lines)
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise SystemExit(f"reliability: no {pattern!r} in the log:\n{''.join(self.lines[-20:])}")

    def finish(self, timeout: float) -> Run:
        """Wait for the run's end; its reports."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(10)
        return read_run(self.process.returncode, "".join(self.lines), self.folder)


class Sampler:
    """Samples a process's resident memory every `interval` seconds, in a thread."""

    def __init__(self, pid: int, interval: float) -> None:
        self.samples: list[tuple[float, int]] = []
        self._process = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append((time.time(), self._process.memory_info().rss))
            except psutil.Error:
                return
            self._stop.wait(self._interval)

    def stop(self) -> list[tuple[float, int]]:
        """Stop sampling; the samples (unix time, bytes)."""
        self._stop.set()
        self._thread.join(5)
        return self.samples


def messages_between(history: Path, start: float, end: float) -> tuple[int, float]:
    """Successful messages counted between two unix times, and over how many seconds."""
    points: list[tuple[float, int]] = []
    with history.open() as handle:
        for r in csv.DictReader(handle):
            if (r["Type"], r["Name"]) == MESSAGES:
                ok = int(r["Total Request Count"]) - int(r["Total Failure Count"])
                points.append((float(r["Timestamp"]), ok))
    inside = [p for p in points if start <= p[0] <= end]
    if len(inside) < 2:
        return 0, 0.0
    return inside[-1][1] - inside[0][1], inside[-1][0] - inside[0][0]


def megabytes(value: float) -> str:
    """Bytes as MB, one decimal."""
    return f"{value / 2**20:.1f} MB"
