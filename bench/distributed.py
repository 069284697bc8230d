"""One master with 1, 2 and 4 workers on this machine: requests per CPU-second, master's cost.

    python -m bench distributed [--seconds 15] [--users 12] [--workers 1,2,4]

The embedded gateway (`loadspec stub`, its own process, not counted) serves the clients
spec; a headless master and N workers run it for `--seconds` with `--users` in all and no
think time. Measured per N, from /proc: the requests counted by the master, the CPU seconds
of every generator process (master and workers, their children too), so requests per
CPU-second of the whole tree; and the master's own CPU during the run, divided by the worker
reports it merged (each worker reports every 3 s), which says how many workers one master
core takes before the master, not the workers, is the bottleneck.
"""

from __future__ import annotations

import argparse
import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench._report import DOC, ROOT, load_average, machine, write_section
from bench.proctree import ProcessTree

SPEC = "specs/communication/get_platform_v1_clients.md"
TOKEN = "bench-distributed-token"
LOCUST = [sys.executable, "-m", "locust", "-f", "locustfiles/specs.py", "--specs", SPEC]
REPORT_EVERY_S = 3.0  # Locust's WORKER_REPORT_INTERVAL


@dataclass(frozen=True)
class Result:
    """One configuration's figures."""

    workers: int
    requests: int
    tree_cpu: float
    master_cpu: float
    seconds: float

    @property
    def per_cpu(self) -> float:
        """Requests per CPU-second of master and workers together."""
        return self.requests / self.tree_cpu

    @property
    def master_ms_per_report(self) -> float:
        """The master's CPU milliseconds per worker report merged."""
        reports = self.workers * self.seconds / REPORT_EVERY_S
        return self.master_cpu * 1000 / reports

    @property
    def master_share(self) -> float:
        """The master's part of one core while the run lasts."""
        return self.master_cpu / self.seconds


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env() -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_")}
    return {**base, "LOADSPEC_TOKEN_STAFF": TOKEN, "LOADSPEC_STUB_TOKENS": TOKEN}


def _gateway() -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    command = [sys.executable, "-m", "loadspec", "stub", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the gateway did not start")


def measure(host: str, workers: int, users: int, seconds: int) -> Result:
    """One master and `workers` workers for `seconds`."""
    with tempfile.TemporaryDirectory() as tmp:
        port = _port()
        master = subprocess.Popen(
            [*LOCUST, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port",
             str(port), "--headless", "--expect-workers", str(workers), "--host", host,
             "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--csv",
             f"{tmp}/run", "--only-summary"],
            cwd=ROOT, env=_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        trees = [ProcessTree(master.pid)]
        time.sleep(3)  # the master's imports and set-up, before the run
        trees[0].sample()
        idle = trees[0].cpu_s
        command = [*LOCUST, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)]
        children = [
            subprocess.Popen(command, cwd=ROOT, env=_env(), stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(workers)
        ]  # fmt: skip
        trees += [ProcessTree(child.pid) for child in children]
        while master.poll() is None:
            for tree in trees:
                tree.sample()
            time.sleep(0.2)
        for child in children:
            child.wait(timeout=60)
        requests = _requests(Path(tmp) / "run_stats.csv")
    tree_cpu = sum(tree.cpu_s for tree in trees)
    return Result(workers, requests, tree_cpu, trees[0].cpu_s - idle, seconds)


def _requests(path: Path) -> int:
    with path.open() as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                return int(row["Request Count"])
    return 0


def report(results: list[Result], users: int, seconds: int) -> str:
    """The section of docs/benchmarks.md."""
    rows = "\n".join(
        f"| {r.workers} | {r.requests:,} | {r.tree_cpu:.1f} | {r.per_cpu:,.0f} | "
        f"{r.master_cpu:.2f} | {r.master_share * 100:.1f}% | {r.master_ms_per_report:.1f} |"
        for r in results
    )
    worst = max(results, key=lambda r: r.master_ms_per_report)
    per_worker = worst.master_ms_per_report / 1000 / REPORT_EVERY_S  # core share per worker
    limit = int(0.5 / per_worker) if per_worker else 0
    fewest, most = results[0], results[-1]
    added = (most.master_cpu - fewest.master_cpu) / max(most.workers - fewest.workers, 1)
    marginal = max(added, 0.0) / seconds  # a core's share each worker adds
    return (
        "## One master, several workers\n\n"
        f"`python -m bench distributed --seconds {seconds} --users {users}` ({machine()}; "
        f"load average at the end {load_average()}): the clients spec against the embedded "
        f"gateway (its own process, not counted), {users} users in all, no think time, "
        f"{seconds} s per row; every process on this machine's 2 cores, so with more workers "
        "they share the same CPUs (the figures say what each process costs, not how a "
        "cluster scales).\n\n"
        "| workers | requests | CPU-s (master + workers) | requests per CPU-s | master CPU-s "
        "| master's share of a core | master CPU ms per worker report |\n"
        "|---|---|---|---|---|---|---|\n"
        f"{rows}\n\n"
        "The master runs no users: its CPU is Locust's merging of each worker's report (every "
        f"3 s) and heartbeats, plus loadspec's ledger. At the highest cost measured here "
        f"({worst.master_ms_per_report:.1f} ms per report), each worker takes "
        f"{per_worker * 100:.2f}% of a master core, so one master core, held to half busy, "
        f"takes about {limit:,} workers of this spec's few stats rows before the master, not "
        "the workers, is the bottleneck; a report's cost grows with the stats rows (specs x "
        "steps), so a run with many specs takes fewer. (That charges every CPU-second of the "
        "master to the reports; what each worker added, from "
        f"{fewest.workers} to {most.workers} workers, was {marginal * 100:.2f}% of a core.)"
    )


def main(argv: list[str] | None = None) -> int:
    """Measure each worker count, print the table, write the section."""
    parser = argparse.ArgumentParser(
        prog="python -m bench distributed", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    gateway, host = _gateway()
    try:
        results = [measure(host, int(n), args.users, args.seconds) for n in args.workers.split(",")]
    finally:
        gateway.terminate()
        gateway.wait(timeout=10)
    text = report(results, args.users, args.seconds)
    print(text)
    write_section("distributed", text, args.doc)
    return 0 if all(r.requests for r in results) else 1
