"""The seed's chain written by hand for Locust: `HandwrittenFast` (FastHttpUser), `HandwrittenHttp`.

The same work as specs/communication/post_business_communication_messages_on_active_channel.md,
as a Locust user would write it without loadspec: create a channel, poll until the gateway
activates it (a hand-written user has no webhook listener), look up a client once, then send
messages over and over, each checked for its 201 and a JSON body. The one hand-written side of
every benchmark; its switches, from the environment:

- LOADSPEC_BENCH_THINK: a think time in seconds (the memory benchmark's idle users).
- LOADSPEC_BENCH_LOOKUP=each: look the client up before every message, not once (the stub
  throughput benchmark: the gateway serves both calls of the seed's chain in turn).
- LOADSPEC_BENCH_CALLBACK_URL: channels register it, so the gateway sends every message's
  signed `message.status` callbacks there (the stub throughput benchmark's callback sink).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any, ClassVar

from locust import FastHttpUser, HttpUser, constant

TOKEN = os.environ.get("LOADSPEC_TOKEN_STAFF", "loadspec-stub-staff-token")
BUSINESS = os.environ.get("LOADSPEC_VAR_BUSINESS_ID", "loadspec-demo-business")
THINK = float(os.environ.get("LOADSPEC_BENCH_THINK", "0"))
LOOKUP_EACH = os.environ.get("LOADSPEC_BENCH_LOOKUP", "once") == "each"
CALLBACK_URL = os.environ.get("LOADSPEC_BENCH_CALLBACK_URL")
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
GW = "/business/communication"


def lookup(user: Any) -> None:
    """A client of the business, for the messages."""
    clients = user.client.get(
        f"/platform/v1/clients?business_id={BUSINESS}&per_page=1", headers=HEADERS, name="client"
    )
    user.contact_uid = clients.json()["data"]["clients"][0]["id"]


def prepare(user: Any) -> None:
    """The prerequisites, once per user: a channel, its activation (polled), a client."""
    channel = {
        "business_uid": BUSINESS,
        "type": "transactional",
        "display_name": f"hand-written {uuid.uuid4().hex}",
    }
    if CALLBACK_URL:
        channel["callback_url"] = CALLBACK_URL
    created = user.client.post(f"{GW}/channels", json=channel, headers=HEADERS, name="channel")
    user.channel_uid = created.json()["data"]["channel"]["uid"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        polled = user.client.get(
            f"{GW}/channels/{user.channel_uid}", headers=HEADERS, name="channel (poll)"
        )
        if polled.json()["data"]["channel"]["status"] == "active":
            break
        time.sleep(0.1)
    lookup(user)


def send(user: Any) -> None:
    """The test request: one message on the active channel, its status and body checked."""
    if LOOKUP_EACH:
        lookup(user)
    unique = uuid.uuid4().hex
    body = {
        "channel_uid": user.channel_uid,
        "external_uid": f"loadspec-{unique}",
        "contact_uid": user.contact_uid,
        "message": f"Load test message {unique}",
        "message_uid": f"msg-{unique}",
    }
    with user.client.post(
        f"{GW}/messages", json=body, headers=HEADERS, name="message", catch_response=True
    ) as response:
        if response.status_code != 201:
            response.failure(f"expected 201, got {response.status_code}")
            return
        try:
            response.json()
        except ValueError:
            response.failure("body is not JSON")


class HandwrittenFast(FastHttpUser):
    """The chain on FastHttpUser (geventhttpclient)."""

    wait_time = constant(THINK)
    tasks: ClassVar = [send]

    def on_start(self) -> None:
        prepare(self)


class HandwrittenHttp(HttpUser):
    """The chain on HttpUser (requests)."""

    wait_time = constant(THINK)
    tasks: ClassVar = [send]

    def on_start(self) -> None:
        prepare(self)
