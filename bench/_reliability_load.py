"""The two long parts of `python -m bench reliability`: a callback flood under load, and a soak."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._reliability_runs import (
    CHAIN,
    ROOT,
    Run,
    Sampler,
    Watched,
    get_json,
    megabytes,
    messages_between,
)

FLOOD_RATE, FLOOD_SECONDS, FLOOD_USERS = 3000, 10, 6
FLOOD_AT, FLOOD_RUN = 8, 26  # seconds after the listener starts; the run's length
LOCUST_GROWTH_MB = 64  # Locust's memory may grow this much during the flood, not more
SOAK_USERS = 10
SOAK_BOUND_MB = 256  # the gateway's resident memory stays under this, whatever the length
FLAT_MB = 16  # and grows less than this (or 10%) after the first minutes


_SENDER = (
    *(sys.executable, "-m", "bench.callback_sender"),
    *("--seconds", str(FLOOD_SECONDS), "--connections", "32"),
)


@dataclass(frozen=True, slots=True)
class FloodRun:
    """One run of the chain, with or without the flood, measured over the flood's window."""

    rate: float
    rss_start: int
    rss_peak: int
    run: Run
    outcome: dict[str, Any] | None


def _chain(folder: Path, flooded: bool) -> FloodRun:
    args = ("-f", "locustfiles/messages.py", CHAIN, "--headless", "-u", str(FLOOD_USERS))
    watched = Watched(folder, *args, "-r", str(FLOOD_USERS), "-t", f"{FLOOD_RUN}s")
    url = watched.find(r"webhook listener on (\S+)").group(1)
    start = time.time() + FLOOD_AT
    end = start + FLOOD_SECONDS
    sampler = Sampler(watched.process.pid, 0.5)
    outcome = None
    if flooded:
        sender = subprocess.run(
            [*_SENDER, url, "--start-at", str(start), "--rate", str(FLOOD_RATE)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outcome = json.loads(sender.stdout)
    run = watched.finish(FLOOD_RUN + 60)
    samples = sampler.stop()
    sent, span = messages_between(folder / "run_stats_history.csv", start, end)
    during = [rss for at, rss in samples if start <= at <= end + 2] or [0]
    before = [rss for at, rss in samples if at <= start] or during
    return FloodRun(sent / span if span else 0.0, before[-1], max(during), run, outcome)


def flood(work: Path) -> tuple[str, bool]:
    """A signed flood at a running load's listener, against the same run without it."""
    quiet = _chain(work / "flood-none-1", flooded=False)
    flooded = _chain(work / "flood", flooded=True)
    again = _chain(work / "flood-none-2", flooded=False)
    baseline = (quiet.rate + again.rate) / 2
    ratio = flooded.rate / baseline if baseline else 0.0
    growth = flooded.rss_peak - flooded.rss_start
    bounded = growth < LOCUST_GROWTH_MB * 2**20
    held = ratio >= 0.5 and bounded
    outcome = flooded.outcome or {}
    seen = {n: r.requests for (k, n), r in flooded.run.rows.items() if k == "CALLBACK"}
    callbacks = ", ".join(f"`{name}` {count}" for name, count in sorted(seen.items()))
    statuses = ", ".join(f"{k}: {v}" for k, v in outcome.get("outcome", {}).items())
    text = f"""{FLOOD_RATE:,} signed callbacks a second for {FLOOD_SECONDS} s, each with a unique id
and for a channel nobody waits for, sent by `bench/callback_sender.py` from its own process at
the listener of a running load ({FLOOD_USERS} users of the seed's chain, `locustfiles/messages.py`
against the embedded gateway), from {FLOOD_AT} s into the run; the same run without the flood
just before and just after it.

{_flood_table(quiet, flooded, again)}

- Message throughput under the flood: **{ratio:.0%}** of the same run without it (at least
  50% required: {"yes" if ratio >= 0.5 else "**no**"}).
- Locust's memory grew {megabytes(growth)} during the flood (bounded: under
  {LOCUST_GROWTH_MB} MB: {"yes" if bounded else "**no**"}).
- The flood: {outcome.get("offered", 0):,} offered, {outcome.get("answered", 0):,} answered
  ({statuses}). The listener keeps callback handling to its share of the process's time
  (`--webhook-max-share`, 0.25): beyond it, callbacks wait in their sockets and the sender
  slows down; a sender faster than `--webhook-max-rate` gets 429.
- What the listener counted: {callbacks}.
"""
    return text, held


def _flood_table(*runs: FloodRun) -> str:
    lines = [
        "| run | messages/s during the window | Locust RSS at its start | Locust RSS peak in it |",
        "|---|---|---|---|",
    ]
    names = ("without the flood", "**with the flood**", "without the flood, again")
    for name, run in zip(names, runs, strict=True):
        lines.append(
            f"| {name} | {run.rate:.0f} | {megabytes(run.rss_start)} | {megabytes(run.rss_peak)} |"
        )
    return "\n".join(lines)


def soak(work: Path, minutes: float) -> tuple[str, bool]:
    """The seed's chain for `minutes` against the embedded gateway; the gateway's memory."""
    seconds = max(30, int(minutes * 60))
    watched = Watched(
        work / "soak",
        *("-f", "locustfiles/messages.py", CHAIN, "--headless", "-u", str(SOAK_USERS)),
        *("-r", "5", "-t", f"{seconds}s"),
        nice=True,
    )
    found = watched.find(r"started the embedded gateway at (\S+) \(pid (\d+)\)")
    url, pid = found.group(1), int(found.group(2))
    gateway, load = Sampler(pid, 5), Sampler(watched.process.pid, 5)
    started, states = time.time(), []
    while watched.process.poll() is None:
        time.sleep(min(60.0, seconds / 5))
        try:
            states.append((time.time() - started, get_json(url + "/__stub/stats")))
        except OSError:
            break
    run = watched.finish(seconds + 120)
    return _soak_report(gateway.stop(), load.stop(), states, run, seconds)


def _soak_report(
    samples: list[tuple[float, int]],
    locust_samples: list[tuple[float, int]],
    states: list[tuple[float, dict[str, Any]]],
    run: Run,
    seconds: int,
) -> tuple[str, bool]:
    first = samples[0][0]
    warm = min(180.0, seconds * 0.3)
    at_warm = max(rss for at, rss in samples if at - first <= warm)
    after = max((rss for at, rss in samples if at - first > warm), default=at_warm)
    peak = max(rss for _, rss in samples)
    growth = after - at_warm
    flat = growth <= max(FLAT_MB * 2**20, at_warm * 0.10)
    under = peak < SOAK_BOUND_MB * 2**20
    messages = sum(r.requests for r in run.requests if r.name.endswith("/messages"))
    failures = sum(r.failures for r in run.rows.values())
    table = ["| minute | gateway RSS | channels kept | messages kept | evicted so far |"]
    table.append("|---|---|---|---|---|")
    for at, state in states:
        rss = min(samples, key=lambda s: abs(s[0] - first - at))[1]
        evicted = ", ".join(f"{k} {v:,}" for k, v in sorted(state["evicted"].items())) or "—"
        table.append(
            f"| {at / 60:.1f} | {megabytes(rss)} | {state['channels']:,} | "
            f"{state['messages']:,} | {evicted} |"
        )
    locust_peak = max((rss for _, rss in locust_samples), default=0)
    text = f"""{seconds / 60:g} minutes of the seed's chain (`locustfiles/messages.py
{CHAIN}`: a channel, its activation callback, a client, then messages, unpaced) with
{SOAK_USERS} users against the embedded gateway at its defaults (`--max-channels` 50000,
`--max-messages` 100000, `--retention` 600 s), under `nice -n 19`; the gateway's resident
memory sampled every 5 s.

- {messages:,} messages sent ({messages / seconds:.0f}/s), {failures:,} failures.
- Gateway RSS: {megabytes(at_warm)} at {warm / 60:g} min, peak {megabytes(peak)}, highest
  after {warm / 60:g} min {megabytes(after)} (growth {megabytes(growth)}).
- Bound: under {SOAK_BOUND_MB} MB at any time ({"yes" if under else "**no**"}); flat after the
  first {warm / 60:g} minutes, growing less than {FLAT_MB} MB or 10%
  ({"yes" if flat else "**no**"}). The bound follows from the caps: 100,000 messages at
  ~0.4 KB and 50,000 channels, the oldest evicted first.
- Locust's own peak: {megabytes(locust_peak)}.

{chr(10).join(table)}
"""
    return text, under and flat
