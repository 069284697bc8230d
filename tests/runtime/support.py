"""A plain, blocking transport that records every outcome, for engine tests without Locust."""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from loadspec.runtime.calls import Call, Reply
from loadspec.runtime.engine import Judge


@dataclass
class Row:
    """One reported outcome."""

    kind: str
    name: str
    failure: str | None


@dataclass
class RecordingTransport:
    """Sends with http.client; keeps rows, calls and sleeps for assertions."""

    base_url: str
    fallback_url: str | None = None
    rows: list[Row] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    def exchange(self, call: Call, judge: Judge) -> Reply:
        self.calls.append(call)
        base = self.fallback_url if call.use_fallback and self.fallback_url else self.base_url
        split = urlsplit(base)
        # A base URL's own path prefixes every call's (`--host https://api.example.com/v1`).
        path = split.path.rstrip("/") + call.path
        path += ("?" + urlencode(call.params, doseq=True)) if call.params else ""
        body = json.dumps(call.json).encode() if call.json is not None else None
        headers = dict(call.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        connection = http.client.HTTPConnection(split.hostname, split.port, timeout=5)
        try:
            connection.request(call.method, path, body=body, headers=headers)
            response = connection.getresponse()
            reply = Reply(
                response.status,
                response.read(),
                response.getheader("Content-Type"),
                (time.perf_counter() - started) * 1000,
            )
        except (OSError, http.client.HTTPException) as exc:
            refused = isinstance(exc, ConnectionRefusedError)
            reply = Reply(0, error=f"no response: {type(exc).__name__}: {exc}", refused=refused)
        finally:
            connection.close()
        self.rows.append(Row(call.method, call.name, judge(reply)))
        return reply

    def record(self, kind: str, name: str, elapsed_ms: float, failure: str | None) -> None:
        self.rows.append(Row(kind, name, failure))

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def failures(self) -> list[str]:
        return [row.failure for row in self.rows if row.failure]
