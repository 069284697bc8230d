"""Helpers for the stub tests: paths, a callback receiver, polling."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_CONTRACT = ROOT / "swagger" / "communication" / "legacy" / "communication.json"
CLIENTS_CONTRACT = ROOT / "swagger" / "clients" / "clients.json"
GW = "/business/communication"


@dataclass
class Received:
    """One callback as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class CallbackReceiver:
    """A loopback HTTP server that records every POST and answers from `statuses` (then 200)."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_for(
        self, predicate: Callable[[Received], bool], count: int = 1, timeout: float = 10.0
    ) -> list[Received]:
        """The received callbacks matching `predicate`, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                matched = [r for r in self.received if predicate(r)]
            if len(matched) >= count or time.monotonic() > deadline:
                return matched
            time.sleep(0.02)

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            events = [r.event for r in self.received]
        return [e for e in events if kind is None or e["event"] == kind]


def wait_status(http: httpx.Client, uid: str, status: str, timeout: float = 5.0) -> dict[str, Any]:
    """Poll `GET /channels/{uid}` until the channel has `status`."""
    deadline = time.monotonic() + timeout
    while True:
        channel: dict[str, Any] = http.get(f"{GW}/channels/{uid}").json()["data"]["channel"]
        if channel["status"] == status or time.monotonic() > deadline:
            return channel
        time.sleep(0.02)


def create_channel(http: httpx.Client, callback_url: str | None = None, **fields: Any) -> str:
    """Create a channel for business `b1` and return its uid."""
    body = {"business_uid": "b1", "type": "transactional", **fields}
    if callback_url:
        body["callback_url"] = callback_url
    response = http.post(f"{GW}/channels", json=body)
    assert response.status_code == 201, response.text
    uid: str = response.json()["data"]["channel"]["uid"]
    return uid
