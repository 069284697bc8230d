"""The gateway's side of `bench/callback_latency.py`: signed callbacks POSTed at a fixed rate.

    python bench/callback_poster.py URL SECRET COUNT RATE CONNECTIONS

One `channel.status` callback for each of COUNT channels (`channel-00000`, ...), signed as the
embedded gateway signs them, spread over CONNECTIONS keep-alive connections (one thread each)
and paced to RATE per second in all. Prints {channel: monotonic time sent} as JSON.
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadspec.webhooks.signing import sign_callback


def _body(key: str) -> bytes:
    payload = {
        "id": uuid.uuid4().hex,
        "event": "channel.status",
        "data": {"uid": key, "status": "active"},
    }
    return json.dumps(payload).encode()


def post_all(
    url: str, secret: str, keys: list[str], *, interval: float, start: float, sent: dict[str, float]
) -> None:
    """POST one callback per key on one connection, the n-th at `start + n * interval`."""
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    for number, key in enumerate(keys):
        body = _body(key)
        headers = {"Authorization": sign_callback(body, secret), "Content-Type": "application/json"}
        pause = start + number * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        sent[key] = time.monotonic()
        connection.request("POST", where.path, body, headers)
        connection.getresponse().read()
    connection.close()


def main() -> None:
    url, secret, count, rate, connections = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:6])
    keys = [f"channel-{index:05d}" for index in range(int(count))]
    lanes = int(connections)
    sent: dict[str, float] = {}
    start = time.monotonic() + 0.2
    threads = [
        threading.Thread(
            target=post_all,
            args=(url, secret, keys[lane::lanes]),
            kwargs={"interval": lanes / rate, "start": start + lane / rate, "sent": sent},
        )
        for lane in range(lanes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
