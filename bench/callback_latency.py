"""Callback arrival to the waiting user resuming, with 3,000 users waiting (goal: p99 < 5 ms).

    python -m bench callbacks [--users 3000] [--rate 1000] [--connections 8] [--busy 0]

This process is a Locust process's webhook side without Locust: gevent, one
`loadspec.webhooks.CallbackBox` and one `Listener` on loopback, and `--users` greenlets each
waiting for the `channel.status` callback of its own channel. A separate process
(`bench/callback_sender.py --count`) signs one callback per channel (`loadspec.webhooks.signing`,
as the gateway does) and POSTs them at `--rate` per second over `--connections` keep-alive
connections, noting when it sent each.
Latency per callback: *sent -> resumed* (the sender's send to the waiting greenlet running
again: loopback, the listener's HTTP parsing, the signature check, the box, gevent's hub) and
*delivered -> resumed* (the box handing it over to the greenlet running). Both processes read
CLOCK_MONOTONIC, which is one clock for the whole machine. `--busy N` adds N greenlets that
keep the hub busy the way load-generating users do (about 0.2 ms of CPU, then a yield).
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after gevent's patching, as in a Locust process
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

from bench._report import DOC, ROOT, load_average, machine, write_section  # noqa: E402
from bench.callback_sender import channel_keys  # noqa: E402
from loadspec.webhooks.box import CallbackBox  # noqa: E402
from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET, SECRET_ENV  # noqa: E402
from loadspec.webhooks.limits import WebhookLimits  # noqa: E402
from loadspec.webhooks.listener import Listener  # noqa: E402

EVENT = "channel.status"


class TimedBox(CallbackBox):
    """The box, noting when each callback was handed over (the listener's work is done then)."""

    __slots__ = ("delivered",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.delivered: dict[str, float] = {}

    def deliver(self, payload: Mapping[str, Any], delivery_id: str, size: int | None = None) -> str:
        self.delivered[str(payload.get("data", {}).get("uid"))] = time.monotonic()
        return super().deliver(payload, delivery_id, size)


@dataclass(frozen=True, slots=True)
class Latencies:
    """Milliseconds per callback, in both spans."""

    end_to_end: list[float]
    box_to_user: list[float]
    missing: int
    outcomes: dict[str, int]
    cpu_per_callback_us: float


def _waiter(box: CallbackBox, key: str, resumed: dict[str, float], timeout: float) -> None:
    if box.wait(key, EVENT, timeout) is not None:
        resumed[key] = time.monotonic()


def _busy(stop: list[bool]) -> None:
    while not stop:
        until = time.perf_counter() + 0.0002
        while time.perf_counter() < until:
            pass
        gevent.sleep(0)


def measure(users: int, rate: float, connections: int, busy: int, secret: str) -> Latencies:
    """One run: `users` waits, one signed callback each from a separate process."""
    box = TimedBox(events=frozenset({EVENT}))
    # The cap is raised past --rate so that no callback waits for a 429 retry.
    limits = WebhookLimits(max_rate=max(2_000.0, rate * 2))
    listener = Listener(box, secret, limits=limits).start()
    keys = channel_keys(users)
    resumed: dict[str, float] = {}
    # Generous: on a starved machine the listener falls behind the sender, and a wait that
    # timed out would turn its late callback into a "kept" one instead of a slow one.
    timeout = users / rate * 10 + 60
    waiting = [gevent.spawn(_waiter, box, key, resumed, timeout) for key in keys]
    stop: list[bool] = []
    spinners = [gevent.spawn(_busy, stop) for _ in range(busy)]
    gevent.sleep(0.5)  # every waiter is in its wait before the first callback is sent
    cpu = time.process_time()
    sender = subprocess.Popen(
        [sys.executable, "-m", "bench.callback_sender", listener.url, "--count", str(users),
         "--rate", str(rate), "--connections", str(connections)],
        cwd=ROOT, env={**os.environ, SECRET_ENV: secret}, stdout=subprocess.PIPE,
    )  # fmt: skip
    output, _ = gevent.spawn(sender.communicate, timeout=timeout + 30).get()
    cpu = time.process_time() - cpu
    gevent.joinall(waiting, timeout=10)
    stop.append(True)
    gevent.joinall(spinners, timeout=5)
    listener.stop()
    sent: dict[str, float] = json.loads(output)["sent"]
    handed = box.delivered
    return Latencies(
        [(resumed[k] - sent[k]) * 1e3 for k in keys if k in resumed and k in sent],
        [(resumed[k] - handed[k]) * 1e3 for k in keys if k in resumed and k in handed],
        sum(1 for k in keys if k not in resumed),
        dict(box.counts),
        cpu / users * 1e6,
    )  # fmt: skip


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def _row(label: str, values: list[float]) -> str:
    p50, p99 = statistics.median(values) if values else float("nan"), _percentile(values, 0.99)
    verdict = "meets" if p99 < 5 else "misses"
    return (
        f"| {label} | {p50:.2f} | {p99:.2f} | {max(values, default=float('nan')):.2f} | {verdict} |"
    )


def section(
    runs: list[tuple[str, Latencies]], args: argparse.Namespace, loads: tuple[str, str]
) -> str:
    """The `callback-latency` block of docs/benchmarks.md."""
    rows = []
    for label, result in runs:
        rows.append(_row(f"{label}: sent -> resumed", result.end_to_end))
        rows.append(_row(f"{label}: delivered -> resumed", result.box_to_user))
    missing = ", ".join(f"{label}: {r.missing}" for label, r in runs)
    outcomes = "; ".join(f"{label}: {r.outcomes}" for label, r in runs)
    quiet = runs[0][1].cpu_per_callback_us
    return f"""## Callback arrival to the waiting user resuming

`python -m bench callbacks` — {args.users:,} greenlets waiting (gevent, one
`loadspec.webhooks.CallbackBox`, one `Listener` on loopback), one signed `channel.status`
callback each, POSTed by a separate process at {args.rate:g}/s over {args.connections}
keep-alive connections. *sent -> resumed*: from the sender's send to the waiting greenlet
running again (loopback, the listener's HTTP parsing, the signature check, the box, the hub);
*delivered -> resumed*: from the box handing the callback over to the greenlet running.
*busy*: {args.busy} more greenlets keep the hub busy as load-generating users do (0.2 ms of CPU,
then a yield). Goal: p99 under 5 ms.

Machine: {machine()}; load average {loads[0]} before, {loads[1]} after.

| run, span | p50 ms | p99 ms | max ms | goal |
|---|---|---|---|---|
{chr(10).join(rows)}

Callbacks that never resumed a user: {missing}. The box's outcomes: {outcomes}.
CPU of this process per callback in the quiet run (the listener: pywsgi's HTTP parsing, the
PyJWT check, JSON, the box, the wake-up): {quiet:.0f} µs.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench callbacks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=1000.0, help="callbacks per second (1000)")
    parser.add_argument("--connections", type=int, default=8, help="the sender's connections (8)")
    parser.add_argument("--busy", type=int, default=20, help="greenlets keeping the hub busy (20)")
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to write")
    args = parser.parse_args(argv)
    before = load_average()
    secret = DEFAULT_WEBHOOK_SECRET
    runs = [
        ("quiet", measure(args.users, args.rate, args.connections, 0, secret)),
        ("busy", measure(args.users, args.rate, args.connections, args.busy, secret)),
    ]
    text = section(runs, args, (before, load_average()))
    print(text)
    write_section("callback-latency", text, args.doc)
    return 0
