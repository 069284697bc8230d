"""A signed callback flood at a webhook listener, from its own process (`bench/reliability.py`).

    python bench/callback_flood.py URL [--rate 3000] [--seconds 10] [--connections 32]
                                       [--start-at UNIX_TIME]

Every callback is a `channel.status` for a channel nobody waits for, with a unique id, signed
as the embedded gateway signs them (`LOADSPEC_WEBHOOK_SECRET`, else the default secret): the
listener must verify each one and keep it for a wait that never comes. The requests are built
first (before --start-at: building them costs the load nothing during the flood), then sent at
RATE a second in all over keep-alive connections (open model: a slow listener gets a backlog,
not a pause); 429s are not retried, and what the listener has not taken 2 s after the end is
not sent. Prints the outcome as JSON: offered, answered by status, errors, not sent, the rate
answered. Loopback only.
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
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadspec.webhooks.defaults import DEFAULT_WEBHOOK_SECRET, SECRET_ENV
from loadspec.webhooks.signing import sign_callback


def requests(host: str, path: str, count: int, secret: str) -> list[bytes]:
    """`count` complete HTTP/1.1 requests, each a callback of its own, signed."""
    built = []
    for _ in range(count):
        uid = str(uuid.uuid4())
        payload = {"id": uuid.uuid4().hex, "event": "channel.status"}
        body = json.dumps({**payload, "data": {"uid": uid, "status": "active"}}).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: {sign_callback(body, secret)}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        built.append(head.encode() + body)
    return built


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
    queue: asyncio.Queue[bytes | None],
    outcome: Counter[str],
    deadline: float,
) -> None:
    """Send what the queue gives on one connection; after `deadline`, count it unsent."""
    connection: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while (request := await queue.get()) is not None:
        if time.monotonic() > deadline:
            outcome["not sent: the listener took no more in time"] += 1
            continue
        try:
            connection = connection or await asyncio.open_connection(*where)
            connection[1].write(request)
            answer = _answer(connection[0])
            outcome[str(await asyncio.wait_for(answer, deadline - time.monotonic() + 1))] += 1
        except (TimeoutError, OSError, EOFError, ValueError) as exc:
            outcome[f"error {type(exc).__name__}"] += 1
            if connection is not None:
                connection[1].close()
            connection = None
    if connection is not None:
        connection[1].close()


async def flood(
    url: str, rate: float, seconds: float, connections: int, start_at: float = 0.0
) -> dict[str, object]:
    """Send `rate * seconds` callbacks to `url`, paced, from `start_at`; what came back."""
    where = urlsplit(url)
    host, port = where.hostname or "127.0.0.1", where.port or 80
    if not ipaddress.ip_address(host).is_loopback:
        raise SystemExit(f"callback_flood: {host} is not a loopback address")
    secret = os.environ.get(SECRET_ENV, DEFAULT_WEBHOOK_SECRET)
    pending = requests(f"{host}:{port}", where.path or "/", int(rate * seconds), secret)
    queue: asyncio.Queue[bytes | None] = asyncio.Queue()
    outcome: Counter[str] = Counter()
    await asyncio.sleep(max(0.0, start_at - time.time()))
    started = time.monotonic()
    # A listener that holds requests back gets 2 s more, then what is left is not sent.
    deadline = started + seconds + 2
    lanes = [
        asyncio.create_task(_lane((host, port), queue, outcome, deadline))
        for _ in range(connections)
    ]
    for number, request in enumerate(pending):
        due = started + number / rate
        if due > time.monotonic():
            await asyncio.sleep(due - time.monotonic())
        queue.put_nowait(request)
    for _ in lanes:
        queue.put_nowait(None)
    await asyncio.gather(*lanes)
    took = time.monotonic() - started
    answered = sum(n for status, n in outcome.items() if status.isdigit())
    return {
        "offered": len(pending),
        "seconds": round(took, 2),
        "answered": answered,
        "answered_per_s": round(answered / took),
        "outcome": dict(sorted(outcome.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--rate", type=float, default=3000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--start-at", type=float, default=0.0, help="unix time to start at")
    options = parser.parse_args()
    result = asyncio.run(
        flood(options.url, options.rate, options.seconds, options.connections, options.start_at)
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
