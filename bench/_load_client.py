"""A small keep-alive HTTP/1.1 load client for `bench mock`, run in its own process.

    python bench/_load_client.py GATEWAY_BASE CLIENTS_BASE TOKEN CONNECTIONS

Each connection runs the seed's chain: create a channel (and poll it until active), then, over
and over, look a client up and send a message on the channel. Every line read on stdin makes
it print the statuses counted so far as JSON (`{"2xx": N, "other": M}`); EOF stops it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from urllib.parse import urlsplit

import httptools
import uvloop

COUNTS = {"2xx": 0, "other": 0}


class Connection:
    """One keep-alive connection, one request at a time."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.prefix = parts.hostname or "", parts.port or 80, parts.path
        self.auth = f"Bearer {token}"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: {self.auth}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        )
        self.writer.write(head.encode() + data)
        return await self._read()

    async def _read(self) -> tuple[int, bytes]:
        assert self.reader is not None
        parts: list[bytes] = []
        done = asyncio.get_running_loop().create_future()

        class Sink:
            def on_body(self, chunk: bytes) -> None:
                parts.append(chunk)

            def on_message_complete(self) -> None:
                done.set_result(True)

        parser = httptools.HttpResponseParser(Sink())
        while not done.done():
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError("closed")
            parser.feed_data(chunk)
        status = parser.get_status_code()
        COUNTS["2xx" if 200 <= status < 300 else "other"] += 1
        return status, b"".join(parts)


def _get(body: bytes, *path: str | int) -> object:
    try:
        node: object = json.loads(body)
        for key in path:
            node = node[key]  # type: ignore[index]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return node


async def chain(gateway: str, clients: str, token: str) -> None:
    gw = Connection(gateway, token)
    cl = Connection(clients, token) if clients != gateway else gw
    channel = {"business_uid": "bench-business", "type": "transactional", "display_name": "b"}
    _, created = await gw.request("POST", "/channels", channel)
    uid = _get(created, "data", "channel", "uid") or "bench-channel"
    for _ in range(50):
        _, polled = await gw.request("GET", f"/channels/{uid}")
        if _get(polled, "data", "channel", "status") == "active":
            break
        await asyncio.sleep(0.05)
    while True:
        _, found = await cl.request("GET", "/clients?business_id=bench-business&per_page=1")
        contact = _get(found, "data", "clients", 0, "id") or "bench-contact"
        unique = uuid.uuid4().hex
        message = {
            "channel_uid": uid,
            "external_uid": f"bench-{unique}",
            "contact_uid": contact,
            "message": f"bench message {unique}",
            "message_uid": f"msg-{unique}",
        }
        await gw.request("POST", "/messages", message)


async def main(gateway: str, clients: str, token: str, connections: int) -> None:
    tasks = [asyncio.ensure_future(chain(gateway, clients, token)) for _ in range(connections)]
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            break
        print(json.dumps(COUNTS), flush=True)
    for task in tasks:
        task.cancel()


if __name__ == "__main__":
    uvloop.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
