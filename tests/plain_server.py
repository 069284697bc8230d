"""A small third-party-style HTTP API on a free loopback port, for engine and Locust tests.

Endpoints (JSON unless said otherwise):
    POST /items                 201 {"data": {"item": {"uid", "count", "name"}}}
    GET  /items/{uid}           200 the item, 404 unknown
    GET  /secure                200 with `Authorization: Bearer secret-token`, else 401
    POST /echo, GET /echo       200 {"method", "path", "query", "headers", "json", "raw"}
    GET  /status/{code}         that status, {"status": code}
    GET  /garbage               200, Content-Type application/json, body not JSON
    GET  /slow?ms=N             200 after N ms
    GET  /ready/{key}           {"state": "waiting"} twice, then {"state": "ready"}
    GET  /reset                 closes the connection without answering
    GET  /cookie                200, sets a cookie; records the Cookie header it was sent
    GET  /truncated             200 promising 100 bytes of JSON, sends 10, closes
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.local_server import LocalServer

TOKEN = "secret-token"


class _Handler(BaseHTTPRequestHandler):
    server: PlainServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        """Quiet: tests read results, not access logs."""

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.hits[f"{method} /{parts[0] if parts else ''}"] += 1
        if parts == ["items"] and method == "POST":
            uid = uuid.uuid4().hex
            item = {"uid": uid, "count": 5, "name": json.loads(raw or b"{}").get("name")}
            self.server.items[uid] = item
            return self._json(201, {"data": {"item": item}})
        if len(parts) == 2 and parts[0] == "items":
            item = self.server.items.get(parts[1])
            return self._json(200, {"data": item}) if item else self._json(404, {"error": "no"})
        if parts == ["secure"]:
            ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
            return self._json(200 if ok else 401, {"authorized": ok})
        if parts == ["echo"]:
            body = (
                json.loads(raw)
                if raw and "json" in (self.headers.get("Content-Type") or "")
                else None
            )
            self.server.echoed.append(body)
            return self._json(
                200,
                {
                    "method": method,
                    "path": url.path,
                    "query": parse_qs(url.query),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": body,
                    "raw": raw.decode("utf-8", "replace"),
                },
            )
        if len(parts) == 2 and parts[0] == "status":
            return self._json(int(parts[1]), {"status": int(parts[1])})
        if parts == ["garbage"]:
            return self._send(200, b"<html>not json", "application/json")
        if parts == ["slow"]:
            time.sleep(int(parse_qs(url.query).get("ms", ["100"])[0]) / 1000)
            return self._json(200, {"slow": True})
        if len(parts) == 2 and parts[0] == "ready":
            self.server.polls[parts[1]] += 1
            state = "ready" if self.server.polls[parts[1]] > 2 else "waiting"
            return self._json(200, {"state": state, "polls": self.server.polls[parts[1]]})
        if parts == ["cookie"]:
            self.server.cookies.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.send_header("Set-Cookie", "session=kept; Path=/")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            return None
        if parts == ["truncated"]:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b'{"data": [')
            self.wfile.flush()
            self.close_connection = True
            self.connection.close()
            return None
        if parts == ["reset"]:
            self.close_connection = True
            self.connection.close()
            return None
        return self._json(404, {"error": f"no route {method} {url.path}"})

    def _json(self, status: int, document: Any) -> None:
        self._send(status, json.dumps(document).encode(), "application/json")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PlainServer(LocalServer):
    """The server; `url` once started; `hits`, `items`, `polls`, `cookies`, `echoed` for
    assertions."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.hits: Counter[str] = Counter()
        self.polls: Counter[str] = Counter()
        self.items: dict[str, dict[str, Any]] = {}
        self.cookies: list[str | None] = []
        self.echoed: list[Any] = []  # every JSON body /echo was sent, decoded


if __name__ == "__main__":  # `python tests/plain_server.py`: serve for a Locust subprocess test
    with PlainServer() as server:
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
