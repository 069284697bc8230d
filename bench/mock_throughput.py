"""How fast is the mock? Requests per CPU-second on the seed chain's operations: the mock, the
embedded gateway and Stoplight Prism, on the same two contracts.

    python -m bench mock [--connections 16] [--duration 20] [--warmup 3]
                         [--prism DIR] [--json FILE] [--docs [--doc FILE]]

Each server is started on loopback and loaded by `bench/_load_client.py` (its own process, a
bare keep-alive HTTP/1.1 client: the seed's chain, a client lookup and a message in turn, on
a channel each connection creates first). The server's CPU seconds (its whole process tree)
and the requests answered are sampled over a window that skips warm-up. Prism is run from
`--prism DIR` (`npm install @stoplight/prism-cli` there; a benchmark's tool, never a
dependency), one process per contract as it mocks one document at a time, their CPU added up;
it is skipped when absent. Goal: the mock >= 5x Prism's requests per CPU-second.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from bench._report import DOC, ROOT, load_average, machine, write_section
from bench.proctree import ProcessTree
from bench.stub_throughput import versions
from loadspec.mock import MockConfig, MockServer
from loadspec.stub import StubConfig, StubServer, parse_delay

CONTRACTS = (
    ROOT / "swagger" / "communication" / "legacy" / "communication.json",
    ROOT / "swagger" / "clients" / "clients.json",
)
CLIENT = Path(__file__).resolve().parent / "_load_client.py"
TOKEN = "bench-token"


@dataclass(frozen=True)
class Result:
    """One server's figures over the measured window."""

    server: str
    requests: int
    ok: int
    window_s: float
    cpu_s: float

    @property
    def per_cpu_s(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s else 0.0


@dataclass(frozen=True)
class Target:
    """A started server: where the chain's two APIs are, and the processes to measure."""

    gateway: str
    clients: str
    pids: tuple[int, ...]


@contextmanager
def _mock() -> Iterator[Target]:
    config = MockConfig(CONTRACTS, StubConfig(activation_delay=parse_delay("0")))
    with MockServer(config) as server:
        yield _ours(server)


@contextmanager
def _gateway() -> Iterator[Target]:
    with StubServer(tokens=(TOKEN,), activation_delay="0") as server:
        yield _ours(server)


def _ours(server: StubServer) -> Target:
    assert server.pid is not None
    return Target(
        f"{server.url}/business/communication", f"{server.url}/platform/v1", (server.pid,)
    )


@contextmanager
def _prism(folder: Path) -> Iterator[Target]:
    binary = folder / "node_modules" / ".bin" / "prism"
    with tempfile.TemporaryDirectory() as scratch:
        logs = [Path(scratch) / f"prism-{n}.log" for n in range(len(CONTRACTS))]
        procs = []
        for port, contract, log in zip((18931, 18932), CONTRACTS, logs, strict=True):
            with log.open("w") as out:
                # Errors only: Prism's per-request log lines would cost it CPU the mock never
                # spends, and these figures give it its best case.
                command = [str(binary), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error"]
                procs.append(
                    subprocess.Popen(
                        [*command, str(contract)], stdout=out, stderr=subprocess.STDOUT
                    )
                )
        try:
            deadline = time.monotonic() + 60
            while not all(_listening(port) for port in (18931, 18932)):
                if time.monotonic() > deadline:
                    raise SystemExit("Prism did not start: " + logs[0].read_text()[-2000:])
                time.sleep(0.2)
            yield Target(
                "http://127.0.0.1:18931", "http://127.0.0.1:18932", tuple(p.pid for p in procs)
            )
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def measure(name: str, target: Target, connections: int, warmup: float, duration: float) -> Result:
    """Load `target` and sample its CPU and the client's counts over the window."""
    client = subprocess.Popen(
        [sys.executable, str(CLIENT), target.gateway, target.clients, TOKEN, str(connections)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    trees = [ProcessTree(pid) for pid in target.pids]
    try:
        time.sleep(warmup)
        first = _sample(client, trees)
        time.sleep(duration)
        last = _sample(client, trees)
    finally:
        assert client.stdin is not None
        client.stdin.close()
        client.wait(timeout=10)
    counts0, counts1 = first[1], last[1]
    ok = counts1["2xx"] - counts0["2xx"]
    requests = ok + counts1["other"] - counts0["other"]
    return Result(name, requests, ok, last[0] - first[0], last[2] - first[2])


def _sample(
    client: subprocess.Popen[str], trees: list[ProcessTree]
) -> tuple[float, dict[str, int], float]:
    assert client.stdin is not None and client.stdout is not None
    client.stdin.write("\n")
    client.stdin.flush()
    counts: dict[str, int] = json.loads(client.stdout.readline())
    for tree in trees:
        tree.sample()
    return time.monotonic(), counts, sum(sum(tree.cpu.values()) for tree in trees)


def prism_version(folder: Path | None) -> str:
    """The installed prism-cli's version, or "absent"."""
    manifest = (folder or Path("/nonexistent")) / "node_modules/@stoplight/prism-cli/package.json"
    if not manifest.is_file():
        return "absent"
    return str(json.loads(manifest.read_text())["version"])


def docs_section(results: list[Result], connections: int, load: str, prism_at: str) -> str:
    info = versions()
    prism = next((r for r in results if r.server.startswith("Prism")), None)
    rows = []
    for r in results:
        versus = f"**{r.per_cpu_s / prism.per_cpu_s:.1f}x**" if prism and prism.per_cpu_s else "—"
        share = f"{100 * r.ok / r.requests:.1f}%" if r.requests else "—"
        figures = f"{r.requests} | {share} | {r.cpu_s:.2f} | {r.per_cpu_s:.0f}"
        rows.append(f"| {r.server} | {figures} | {versus} |")
    table = "\n".join(rows)
    return f"""## The mock takes load: requests per CPU-second beside the gateway and Prism

`python -m bench mock --docs --prism DIR` — the seed's chain (`GET /platform/v1/clients`, then
`POST /business/communication/messages` on a channel each connection created and saw active)
against three servers of the same two contracts (`swagger/communication/legacy/communication.json`
and `swagger/clients/clients.json`): `loadspec mock` (stateful, every request checked against the
contract, answers from examples or generated, on the stub's front end), the embedded gateway
(hand-written for these two contracts) and Stoplight Prism's `prism mock` (stateless; one
process per contract, as it mocks one document; their CPU added up). The load: a bare
keep-alive HTTP/1.1 client (`bench/_load_client.py`) with {connections} connections in its own
process, whose CPU counts on no side. CPU seconds (user + system) of the server's processes over
the measured window; *2xx* the share of answers that were 2xx. *vs Prism*: requests per
CPU-second over Prism's (goal: the mock >= 5x).

Machine: {machine()} (nproc {info["nproc"]}; uvloop {info["uvloop"]}, httptools \
{info["httptools"]}); Node {_node()}, prism-cli {prism_at}; load average before the run: {load}

| server | requests | 2xx | server CPU s | req/CPU-s | vs Prism |
|---|---|---|---|---|---|
{table}
"""


def _node() -> str:
    try:
        return subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "absent"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench mock", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--connections", type=int, default=16, help="client connections (16)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before measuring (3)")
    parser.add_argument(
        "--prism", type=Path, help="a folder where @stoplight/prism-cli is npm-installed"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--docs", action="store_true", help="write the section to --doc")
    parser.add_argument("--doc", type=Path, default=DOC, help="docs/benchmarks.md")
    args = parser.parse_args(argv)
    load = load_average()
    servers: list[tuple[str, object]] = [("loadspec mock", _mock), ("embedded gateway", _gateway)]
    if args.prism is not None and (args.prism / "node_modules" / ".bin" / "prism").exists():
        servers.append(("Prism (prism mock)", lambda: _prism(args.prism)))
    results = []
    for name, start in servers:
        with start() as target:  # type: ignore[operator]
            results.append(measure(name, target, args.connections, args.warmup, args.duration))
        print(f"{name}: {results[-1].per_cpu_s:.0f} requests per CPU-second", flush=True)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
    if args.docs:
        write_section(
            "mock-throughput",
            docs_section(results, args.connections, load, prism_version(args.prism)),
            args.doc,
        )
    prism = next((r for r in results if r.server.startswith("Prism")), None)
    return 0 if prism is None or results[0].per_cpu_s >= 5 * prism.per_cpu_s else 1
