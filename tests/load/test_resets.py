"""A reset is one failure whatever the method: no request is resent behind the statistics."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from loadspec.stub import Faults, StubServer
from tests.conftest import ROOT
from tests.load.runs import named_gateway, run_locust

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

# Run in a fresh process: FastHttpSession needs gevent's patching, which pytest's must not get.
_CLIENT = """
import json, sys
from locust.contrib.fasthttp import FastHttpSession
from locust.event import Events
import loadspec.locust.transport  # noqa: F401 -- what every load run imports

url, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
session = FastHttpSession(url, request_event=Events().request, user=None)
headers = {"Authorization": "Bearer " + token}
failed = {"GET": 0, "POST": 0}
for method in ("GET", "POST"):
    for _ in range(count):
        with session.request(
            method, "/business/communication/channels" + ("/x" if method == "GET" else ""),
            json={"business_uid": "b", "type": "promotional"} if method == "POST" else None,
            headers=headers, catch_response=True,
        ) as response:
            if not response.status_code:
                failed[method] += 1
            response.success()
print(json.dumps(failed))
"""


def test_reset_gets_are_failures_like_reset_posts() -> None:
    """With resets on, the gateway serves exactly the requests the client counted, per method."""
    count = 200
    with StubServer(faults=Faults(reset_rate=0.3), seed=3) as gateway:
        done = subprocess.run(
            [sys.executable, "-c", _CLIENT, gateway.url, gateway.token, str(count)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        stats = httpx.get(gateway.url + "/__stub/stats").json()
    failed = json.loads(done.stdout)
    assert stats["requests"] == 2 * count, (stats, failed)
    for method in ("GET", "POST"):
        assert 0.15 * count < failed[method] < 0.45 * count, failed


def test_a_real_run_at_a_tenth_resets_shows_a_tenth_on_every_row(tmp_path: Path) -> None:
    """`--reset-rate 0.1` under Locust: GET rows fail about 10% as POST rows do, and every
    request the gateway served (resets included) is one the statistics count."""
    with StubServer(faults=Faults(reset_rate=0.1), seed=5) as gateway:
        # The gateway's token, given as a run against a host must; unpaced (the locustfile's
        # default is 2 iterations a second).
        env = {**named_gateway(gateway), "LOADSPEC_DEFAULT_ARRIVAL_RATE": ""}
        done, rows = run_locust(
            tmp_path, "-f", "locustfiles/messages.py", "--headless", "-u", "6", "-r", "6",
            "-t", "6s", "--host", gateway.url, env=env,
        )  # fmt: skip
        served = httpx.get(gateway.url + "/__stub/stats").json()["requests"]
    assert done.returncode == 1, done.stderr[-3000:]
    requests = {key: row for key, row in rows.items() if key[0] in ("GET", "POST")}
    assert requests[("GET", "/platform/v1/clients")].requests >= 200, rows
    for key, row in requests.items():
        # Within 4 standard deviations of 10% for the row's count (a resent GET: ~0%).
        share, spread = row.failures / row.requests, 4 * math.sqrt(0.09 / row.requests)
        assert row.requests >= 200 and abs(share - 0.1) < spread, (key, row)
    # A resent reset would be served twice, counted once: hundreds here. At most one request
    # per user is cut off, served but not counted, when the run stops.
    assert 0 <= served - sum(row.requests for row in requests.values()) <= 6
