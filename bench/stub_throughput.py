"""Is the embedded gateway ever the bottleneck? Requests per CPU-second, stub vs. Locust.

    python -m bench stub [--users 32] [--duration 30] [--warmup 5] [--callbacks]
                         [--server uvicorn] [--json FILE] [--docs [--doc FILE]]

Starts the stub (its Python API, a free loopback port), runs one headless Locust process
(the hand-written FastHttpUser of `bench/chain/handwritten.py`, no waits, a client looked up
before every message) against it for a bounded time, and samples both processes' CPU time and
the stub's served-request counter over a window that skips warm-up and ramp-down. Every
request Locust makes is one the stub serves, so both sides are divided by the same count: the
ratio says how many Locust processes, each at full speed, one stub process keeps up with.
Target: >= 1 (the stub is never the bottleneck), aim 2. `--docs` runs the three modes of the
table (plain, with callbacks, uvicorn front end) and writes its section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import psutil  # a dependency of locust

from bench._report import DOC, load_average, write_section
from bench.generators import CHAIN, environment
from loadspec.stub import ServerKind, StubServer

LOCUSTFILE = CHAIN / "handwritten.py"
USER_CLASS = "HandwrittenFast"


@dataclass(frozen=True)
class Result:
    """One run's figures."""

    requests: int
    window_s: float
    stub_cpu_s: float
    locust_cpu_s: float
    locust_failures: int
    callbacks: int

    @property
    def stub_per_cpu_s(self) -> float:
        return self.requests / self.stub_cpu_s

    @property
    def locust_per_cpu_s(self) -> float:
        return self.requests / self.locust_cpu_s

    @property
    def ratio(self) -> float:
        return self.stub_per_cpu_s / self.locust_per_cpu_s


def versions() -> dict[str, str]:
    """Where the figures come from: the CPU and the versions that count here."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "locust": version("locust"),
        "uvicorn": version("uvicorn"),
        "uvloop": version("uvloop"),
        "httptools": version("httptools"),
    }


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


_RECEIVER = """
import asyncio, sys, uvloop

class Sink(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport, self.buffer = transport, b""

    def data_received(self, data):
        self.buffer += data
        while (end := self.buffer.find(b"\\r\\n\\r\\n")) >= 0:
            length = 0
            for line in self.buffer[:end].lower().split(b"\\r\\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            self.transport.write(b"HTTP/1.1 204 No Content\\r\\n\\r\\n")

async def main():
    server = await asyncio.get_running_loop().create_server(Sink, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.sleep(3600)

uvloop.run(main())
"""


@contextmanager
def receiver(enabled: bool) -> Iterator[str | None]:
    """A bare callback sink in its own process (its CPU is counted on neither side)."""
    if not enabled:
        yield None
        return
    sink = subprocess.Popen([sys.executable, "-c", _RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout is not None
        yield f"http://127.0.0.1:{int(sink.stdout.readline())}/callbacks"
    finally:
        sink.terminate()
        sink.wait()
        if sink.stdout is not None:
            sink.stdout.close()


def run(
    users: int,
    duration: float,
    warmup: float,
    *,
    callbacks: bool = False,
    server: ServerKind = ServerKind.HTTPTOOLS,
    cooldown: float = 2.0,
) -> Result:
    """One bounded load run against a fresh stub; figures from the steady-state window."""
    with (
        StubServer(activation_delay="0", server=server) as stub,
        tempfile.TemporaryDirectory() as scratch,
        receiver(callbacks) as sink,
    ):
        env = {"LOADSPEC_TOKEN_STAFF": stub.token, "LOADSPEC_BENCH_LOOKUP": "each"}
        if sink:
            env["LOADSPEC_BENCH_CALLBACK_URL"] = sink
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(LOCUSTFILE),
            USER_CLASS,
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{int(warmup + duration + cooldown)}s",
            "--host",
            stub.url,
            "--only-summary",
            "--csv",
            f"{scratch}/run",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "2",
        ]
        locust = subprocess.Popen(
            command,
            env=environment(env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stub_process, locust_process = psutil.Process(stub.pid), psutil.Process(locust.pid)
            time.sleep(warmup)
            start = _sample(stub, stub_process, locust_process)
            time.sleep(duration)
            end = _sample(stub, stub_process, locust_process)
            _, stderr = locust.communicate(timeout=warmup + duration + cooldown + 30)
        finally:
            if locust.poll() is None:
                locust.kill()
                locust.wait()
        failures = _failures(Path(scratch) / "run_stats.csv")
    if locust.returncode not in (0, 1):
        raise SystemExit(f"locust exited with {locust.returncode}:\n{stderr[-2000:]}")
    # The /__stub/stats polls are served too, and counted on neither side.
    return Result(
        callbacks=end[4] - start[4],
        requests=end[1] - start[1],
        window_s=end[0] - start[0],
        stub_cpu_s=end[2] - start[2],
        locust_cpu_s=end[3] - start[3],
        locust_failures=failures,
    )


def _sample(
    stub: StubServer, stub_process: psutil.Process, locust_process: psutil.Process
) -> tuple[float, int, float, float, int]:
    stats = stub.stats()
    return (
        time.monotonic(),
        stats["requests"],
        _cpu(stub_process),
        _cpu(locust_process),
        stats["callbacks"]["delivered"],
    )


def _failures(stats_csv: Path) -> int:
    for line in stats_csv.read_text().splitlines()[1:]:
        cells = line.split(",")
        if len(cells) > 3 and cells[1].strip('"') == "Aggregated":
            return int(cells[3])
    return -1


def _figures(result: Result) -> dict[str, object]:
    return {
        **asdict(result),
        "stub_requests_per_cpu_s": round(result.stub_per_cpu_s),
        "locust_requests_per_cpu_s": round(result.locust_per_cpu_s),
        "ratio": round(result.ratio, 2),
        "requests_per_s": round(result.requests / result.window_s),
    }


def docs_section(runs: list[tuple[str, Result]], users: int, load: str) -> str:
    """The `stub-throughput` block of docs/benchmarks.md for these runs."""
    info = versions()
    rows = "\n".join(
        f"| {label} | {r.requests} | {r.stub_cpu_s:.2f} | {r.locust_cpu_s:.2f} "
        f"| {r.stub_per_cpu_s:.0f} | {r.locust_per_cpu_s:.0f} | **{r.ratio:.2f}** |"
        for label, r in runs
    )
    return f"""## The embedded gateway is not the bottleneck

`python -m bench stub --docs` — the stub (default front end: its own HTTP/1.1
protocol on httptools + uvloop) and one headless Locust process (the hand-written
FastHttpUser of `bench/chain/handwritten.py` with `LOADSPEC_BENCH_LOOKUP=each`, {users} users,
no waits: `GET /platform/v1/clients` and `POST /business/communication/messages` in turn on an
active channel), on loopback. CPU seconds (user + system) of each process over the measured
window; every request Locust makes is one the stub serves, so both sides divide the same count.
*ratio* = stub requests per CPU-second / Locust requests per CPU-second: how many Locust
processes, each at full speed, one stub keeps up with (target >= 1, aim 2). Figures move by
about 10% between runs on a busy 2-core machine (see the load average).

Machine: {info["cpu"]}, nproc {info["nproc"]}, {platform.system()} {platform.release()}, \
Python {info["python"]} (locust {info["locust"]}, uvloop {info["uvloop"]}, \
httptools {info["httptools"]}); load average before the run: {load}

| run | requests | stub CPU s | Locust CPU s | stub req/CPU-s | Locust req/CPU-s | ratio |
|---|---|---|---|---|---|---|
{rows}

*with callbacks*: every channel registers a callback sink (`LOADSPEC_BENCH_CALLBACK_URL`: a bare
loopback server in its own process), so each message also costs the stub two signed
`message.status` callbacks (one callback per request on average). A load test that waits only
for activation should subscribe to `channel.status` alone (`callback_events`), which makes it
the first row again.
*uvicorn front end*: the same application as ASGI under uvicorn (`--server uvicorn`), for
comparison: the ASGI layer (a task and four message dicts per request, two writes per answer)
costs more CPU than the gateway itself, hence the default front end.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench stub", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--users", type=int, default=32, help="Locust users (default 32)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds (30)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring (5)")
    parser.add_argument(
        "--callbacks", action="store_true", help="channels register a callback sink (2 per message)"
    )
    parser.add_argument(
        "--server", type=ServerKind, default=ServerKind.HTTPTOOLS, help="the stub's front end"
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--docs", action="store_true", help="run every mode above and write its section to --doc"
    )
    parser.add_argument(
        "--doc", type=Path, default=DOC, help="the Markdown file --docs writes (docs/benchmarks.md)"
    )
    args = parser.parse_args(argv)
    load = load_average()
    modes = [
        ("plain", False, ServerKind.HTTPTOOLS),
        ("with callbacks", True, ServerKind.HTTPTOOLS),
        ("plain, uvicorn front end", False, ServerKind.UVICORN),
    ]
    if not args.docs:
        modes = [("with callbacks" if args.callbacks else "plain", args.callbacks, args.server)]
    runs = [
        (label, run(args.users, args.duration, args.warmup, callbacks=cb, server=kind))
        for label, cb, kind in modes
    ]
    report = {label: {**_figures(result), **versions()} for label, result in runs}
    for label, figures in report.items():
        print(f"== {label}")
        for key, value in figures.items():
            print(f"{key:>26}: {value}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    if args.docs:
        write_section("stub-throughput", docs_section(runs, args.users, load), args.doc)
    return 0 if runs[0][1].ratio >= 1 else 1
