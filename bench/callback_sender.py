"""Signed callbacks POSTed at a webhook listener from their own process, as the gateway sends them.

    python -m bench.callback_sender URL --count N [--rate 1000] [--connections 8]
    python -m bench.callback_sender URL --seconds S [--rate 3000] [--connections 32]
                                        [--start-at UNIX_TIME]

Every callback is a `channel.status` with a unique delivery id, signed as the embedded gateway
signs them (`loadspec.webhooks.signing`; secret `LOADSPEC_WEBHOOK_SECRET`, else the default).
*Fixed count* (`--count`, for `python -m bench callbacks`): one callback for each of the
channels `channel-00000`, `channel-00001`, ... that the listener's users wait for.
*Flood* (`--seconds`, for `python -m bench reliability`): `RATE * SECONDS` callbacks for channels
nobody waits for; what the listener has not taken 2 s after the end is not sent.

The requests are built first (signing costs nothing while they are sent), then sent at RATE a
second in all over keep-alive connections, one request in flight on each (open model: a slow
listener gets a backlog, not a pause); 429s are not retried. Prints the outcome as JSON:
offered, answered by status, errors, not sent, the rate answered, and with `--count` the
CLOCK_MONOTONIC time each channel's callback was sent (one clock for the whole machine).
Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET, SECRET_ENV
from loadspec.webhooks.signing import sign_callback

GRACE_S = 2.0  # a flood's listener that holds requests back gets this long after the end
ANSWER_S = 30.0  # the longest a fixed-count callback waits for its answer


def channel_keys(count: int) -> list[str]:
    """The channels a fixed-count run sends for, in order: `channel-00000`, ..."""
    return [f"channel-{index:05d}" for index in range(count)]


def build(host: str, path: str, keys: list[str], secret: str) -> list[tuple[str, bytes]]:
    """One complete, signed HTTP/1.1 request per channel key."""
    built = []
    for key in keys:
        payload = {"id": uuid.uuid4().hex, "event": "channel.status"}
        body = json.dumps({**payload, "data": {"uid": key, "status": "active"}}).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: {sign_callback(body, secret)}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        built.append((key, head.encode() + body))
    return built


@dataclass(slots=True)
class Outcome:
    """What came back: answers by status (or error), and when each key was sent."""

    counts: Counter[str] = field(default_factory=Counter)
    sent: dict[str, float] = field(default_factory=dict)


async def _answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def _lane(
    where: tuple[str, int],
    queue: asyncio.Queue[tuple[str, bytes] | None],
    outcome: Outcome,
    deadline: float,
) -> None:
    """Send what the queue gives on one connection; after `deadline`, count it unsent."""
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while (item := await queue.get()) is not None:
        key, request = item
        if time.monotonic() > deadline:
            outcome.counts["not sent: the listener took no more in time"] += 1
            continue
        try:
            connection = connection or await asyncio.open_connection(*where)
            outcome.sent[key] = time.monotonic()
            connection[1].write(request)
            wait = min(ANSWER_S, deadline - time.monotonic() + 1)
            outcome.counts[str(await asyncio.wait_for(_answer(connection[0]), wait))] += 1
        except (TimeoutError, OSError, EOFError, ValueError) as exc:
            outcome.counts[f"error {type(exc).__name__}"] += 1
            if connection is not None:
                connection[1].close()
            connection = None
    if connection is not None:
        connection[1].close()


async def send(
    url: str, keys: list[str], rate: float, connections: int, *, start_at: float, limit_s: float
) -> dict[str, object]:
    """One signed callback per key to `url`, paced at `rate`, from `start_at`; what came back.

    Nothing is sent more than `limit_s` seconds after the start.
    """
    where = urlsplit(url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"callback_sender: {host} is not a loopback address")
    secret = os.environ.get(SECRET_ENV, DEFAULT_WEBHOOK_SECRET)
    pending = build(f"{host}:{port}", where.path or "/", keys, secret)
    queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue()
    outcome = Outcome()
    await asyncio.sleep(max(0.0, start_at - time.time()))
    started = time.monotonic()
    lanes = [
        asyncio.create_task(_lane((host, port), queue, outcome, started + limit_s))
        for _ in range(connections)
    ]
    for number, item in enumerate(pending):
        due = started + number / rate
        if due > time.monotonic():
            await asyncio.sleep(due - time.monotonic())
        queue.put_nowait(item)
    for _ in lanes:
        queue.put_nowait(None)
    await asyncio.gather(*lanes)
    took = time.monotonic() - started
    answered = sum(n for status, n in outcome.counts.items() if status.isdigit())
    return {
        "offered": len(pending),
        "seconds": round(took, 2),
        "answered": answered,
        "answered_per_s": round(answered / took),
        "outcome": dict(sorted(outcome.counts.items())),
        "sent": outcome.sent,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.callback_sender", description=__doc__.splitlines()[0]
    )
    parser.add_argument("url", help="the listener's loopback URL")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--count", type=int, help="fixed count: one callback per waiting channel")
    mode.add_argument("--seconds", type=float, help="flood: RATE a second for this long")
    parser.add_argument("--rate", type=float, default=1000.0, help="callbacks a second (1000)")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (8)")
    parser.add_argument("--start-at", type=float, default=0.0, help="unix time to start at")
    args = parser.parse_args(argv)
    if args.count is not None:
        keys, limit_s = channel_keys(args.count), args.count / args.rate * 10 + 60
    else:
        keys = [str(uuid.uuid4()) for _ in range(int(args.rate * args.seconds))]
        limit_s = args.seconds + GRACE_S
    result = asyncio.run(
        send(args.url, keys, args.rate, args.connections, start_at=args.start_at, limit_s=limit_s)
    )
    if args.count is None:
        del result["sent"]  # a flood's keys wait for nobody
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
