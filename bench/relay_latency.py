"""What the master-to-worker relay adds: callback arrival to the waiting user resuming.

    python -m bench relay [--users 1000] [--rate 500]

One process holds a real Locust master runner and a real worker runner, connected over
loopback ZeroMQ as `--master`/`--worker` are, each set up by `loadspec.locust.relay` as a
run sets it up. `--users` greenlets on the worker wait in its box, each for its own
channel's `channel.status`; the master's listener sink is handed one verified callback per
channel at `--rate` per second (what its listener does after the signature check). Latency
per callback: handed to the master's sink -> the waiting greenlet running again (msgpack,
ZeroMQ, the worker's message handler, the box, gevent's hub). Both runners share this
process's one core, so the figure is an upper bound of what one relay hop costs.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402 - after gevent's patching, as in a Locust process
import socket  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from locust import User, constant  # noqa: E402
from locust.env import Environment  # noqa: E402

from bench._report import DOC, machine, write_section  # noqa: E402
from loadspec.config.settings import ListenerSettings  # noqa: E402
from loadspec.locust.relay import start_listener  # noqa: E402
from loadspec.webhooks.box import CallbackBox  # noqa: E402
from loadspec.webhooks.limits import WebhookLimits  # noqa: E402

EVENT = "channel.status"


class Idle(User):
    """A user class for the worker runner to know (no user is spawned)."""

    wait_time = constant(1)


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _options() -> argparse.Namespace:
    """Locust's default options (a runner reads some of them)."""
    from locust.argument_parser import get_parser

    return get_parser().parse_args([])


def _runners() -> tuple[Environment, Environment, CallbackBox]:
    port, limits, settings = _port(), WebhookLimits(), ListenerSettings()
    master = Environment(user_classes=[Idle], parsed_options=_options())
    master.create_master_runner("127.0.0.1", port)
    worker = Environment(user_classes=[Idle], parsed_options=_options())
    worker.create_worker_runner("127.0.0.1", port)
    box = CallbackBox(events=frozenset({EVENT}))
    master.loadspec_listener = start_listener(  # type: ignore[attr-defined]
        master, None, "s", lambda *_: None, limits=limits, settings=settings
    )
    worker.loadspec_listener = start_listener(  # type: ignore[attr-defined]
        worker, box, "s", lambda *_: None, limits=limits, settings=settings
    )
    deadline = time.monotonic() + 10
    while not master.runner.clients.all:  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            raise RuntimeError("the worker runner did not connect")
        gevent.sleep(0.05)
    return master, worker, box


def measure(users: int, rate: float) -> list[float]:
    """Milliseconds from the master's sink to each waiting greenlet resuming."""
    master, worker, box = _runners()
    sent: dict[str, float] = {}
    latencies: list[float] = []

    def wait(key: str) -> None:
        if box.wait(key, EVENT, timeout=30) is not None:
            latencies.append((time.monotonic() - sent[key]) * 1000)

    waiters = [gevent.spawn(wait, f"ch-{n}") for n in range(users)]
    gevent.sleep(0.5)
    sink = master.loadspec_listener.sink  # type: ignore[attr-defined]
    for n in range(users):
        key = f"ch-{n}"
        sent[key] = time.monotonic()
        sink({"event": EVENT, "data": {"uid": key, "status": "active"}}, f"d-{n}")
        gevent.sleep(1 / rate)
    gevent.joinall(waiters, timeout=30)
    for environment in (worker, master):
        environment.loadspec_listener.stop()  # type: ignore[attr-defined]
        environment.runner.quit()  # type: ignore[union-attr]
    return latencies


def main(argv: list[str] | None = None) -> int:
    """Measure, print, write the section."""
    parser = argparse.ArgumentParser(
        prog="python -m bench relay", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    latencies = sorted(measure(args.users, args.rate))
    if len(latencies) < args.users:
        print(f"only {len(latencies)} of {args.users} waits resumed", file=sys.stderr)
        return 1
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    text = (
        "## Relaying callbacks to workers (`--master` / `--worker`)\n\n"
        f"`python -m bench relay --users {args.users} --rate {args.rate:g}` "
        f"({machine()}): a callback handed to the master's listener sink, relayed with "
        "Locust's `send_message` to the worker whose user waits for it, with "
        f"{args.users:,} users waiting: p50 {p50:.2f} ms, p99 {p99:.2f} ms, max "
        f"{latencies[-1]:.2f} ms (master and worker share one process and core here, so "
        "this is an upper bound of one relay hop; the listener's HTTP and signature work "
        "is measured in the callback-latency section).\n"
    )
    print(text)
    write_section("relay-latency", text, args.doc)
    return 0
