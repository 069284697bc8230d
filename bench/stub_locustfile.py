"""Load for `bench/stub_throughput.py`: one FastHttpUser class, the seed's hot path, no waits.

Each user creates its own channel, waits until the gateway activates it, then loops over
the seed's two calls: look up a client, send a message (a fresh message_uid every time).
With LOADSPEC_BENCH_CALLBACK_URL set, channels register it, so every message also costs the
stub two signed `message.status` callbacks.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from typing import ClassVar

from locust import FastHttpUser, constant, task

TOKEN = os.environ.get("LOADSPEC_BENCH_TOKEN", "loadspec-stub-staff-token")
BUSINESS = os.environ.get("LOADSPEC_BENCH_BUSINESS", "benchbusiness001")
CALLBACK_URL = os.environ.get("LOADSPEC_BENCH_CALLBACK_URL")  # set: two callbacks a message
GW = "/business/communication"


class GatewayUser(FastHttpUser):
    """The seed's chain as a tight loop."""

    wait_time = constant(0)
    default_headers: ClassVar[dict[str, str]] = {"Authorization": f"Bearer {TOKEN}"}

    def on_start(self) -> None:
        channel = {"business_uid": BUSINESS, "type": "transactional"}
        if CALLBACK_URL:
            channel["callback_url"] = CALLBACK_URL
        created = self.client.post(f"{GW}/channels", json=channel, name="setup: channel")
        self.channel_uid = created.json()["data"]["channel"]["uid"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            got = self.client.get(f"{GW}/channels/{self.channel_uid}", name="setup: poll")
            if got.json()["data"]["channel"]["status"] == "active":
                break
            time.sleep(0.01)
        self.counter = itertools.count()
        self.prefix = uuid.uuid4().hex[:12]

    @task(1)
    def get_client(self) -> None:
        self.client.get(
            f"/platform/v1/clients?business_id={BUSINESS}&per_page=1",
            name="GET /platform/v1/clients",
        )

    @task(1)
    def send_message(self) -> None:
        n = next(self.counter)
        self.client.post(
            f"{GW}/messages",
            name="POST /messages",
            json={
                "channel_uid": self.channel_uid,
                "external_uid": f"ext-{self.prefix}",
                "message": f"Load message {n}",
                "message_uid": f"msg-{self.prefix}-{n}",
            },
        )
