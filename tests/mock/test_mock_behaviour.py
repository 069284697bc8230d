"""The mock's rules beyond the Petstore's basics: Prefer, seeds, bounds, statuses, faults."""

from __future__ import annotations

import asyncio
import time

import pytest

from loadspec.mock.callbacks import evaluate, stamp
from loadspec.mock.routes import Router
from loadspec.stub.config import Faults
from loadspec.stub.gateway.http import Request
from tests.mock.support import HOOKS, mock, send

DOG = {"name": "rex", "photoUrls": []}


def test_prefer_code_answers_that_documented_status() -> None:
    """Prism's `Prefer: code=404` answers the operation's documented 404."""
    app = mock()
    reply = send(app, "GET", "/api/v3/pet/1", headers={"api_key": "k", "prefer": "code=404"})
    assert reply.status == 404


def test_prefer_dynamic_draws_new_values() -> None:
    """`Prefer: dynamic=true` ignores examples and draws values from the schema's types."""
    app = mock(seed=3)
    headers = {"authorization": "Bearer t", "prefer": "dynamic=true"}
    first = send(app, "POST", "/api/v3/pet", DOG, headers=headers).json
    second = send(app, "POST", "/api/v3/pet", DOG, headers=headers).json
    assert first["category"] != second["category"]
    assert first["category"] != {"id": 1, "name": "Dogs"}  # the schema's example


def test_the_same_seed_gives_the_same_answers() -> None:
    """Generated bodies and ids depend on --seed and the requests, nothing else."""

    def run(seed: int) -> list[bytes]:
        app = mock(seed=seed)
        headers = {"authorization": "Bearer t", "prefer": "dynamic=true"}
        out = [send(app, "POST", "/api/v3/pet", DOG, headers=headers).body for _ in range(3)]
        out.append(send(app, "GET", "/api/v3/pet/findByStatus").body)
        return out

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_records_are_bounded_and_the_evicted_counted() -> None:
    """Past --max-records the oldest record is forgotten, and counted."""
    app = mock(max_records=2)
    ids = [send(app, "POST", "/api/v3/pet", {**DOG, "name": f"p{i}"}).json["id"] for i in range(3)]
    stats = app.stats()
    assert (stats["records"], stats["evicted"]) == (2, 1)
    assert send(app, "GET", f"/api/v3/pet/{ids[2]}").json["name"] == "p2"
    assert send(app, "GET", f"/api/v3/pet/{ids[0]}").json["name"] != "p0"


def test_a_pending_record_turns_active_after_the_delay() -> None:
    """The pending rule: a status enum with pending and active starts pending, then active."""
    app = mock(HOOKS, activation_delay="fixed:30")
    created = send(app, "POST", "/subscriptions", {"callbackUrl": "http://127.0.0.1:9/x"})
    assert created.status == 201
    uid = created.json["uid"]
    assert created.json["status"] == "pending"
    assert send(app, "GET", f"/subscriptions/{uid}").json["status"] == "pending"
    time.sleep(0.05)
    assert send(app, "GET", f"/subscriptions/{uid}").json["status"] == "active"


def test_a_status_the_request_sets_is_kept() -> None:
    app = mock(HOOKS, activation_delay="fixed:0")
    body = {"callbackUrl": "http://127.0.0.1:9/x"}
    uid = send(app, "POST", "/subscriptions", body).json["uid"]
    assert send(app, "GET", f"/subscriptions/{uid}").json["status"] == "active"


def test_injected_errors_use_the_stub_fault_machinery() -> None:
    """--error-rate 1: every request is a 500; nothing is created."""
    app = mock(faults=Faults(error_rate=1.0))
    assert send(app, "POST", "/api/v3/pet", DOG).status == 500
    assert app.stats()["records"] == 0


def test_contract_break_rate_breaks_a_list_answer() -> None:
    """--contract-break-rate 1 breaks any 2xx body, an array included."""
    app = mock(faults=Faults(contract_break_rate=1.0))
    reply = send(app, "GET", "/api/v3/pet/findByStatus")
    assert reply.status == 200
    assert not isinstance(reply.json, list)


def test_callback_urls_come_from_runtime_expressions() -> None:
    """`{$request.body#/callbackUrl}`, query, header and path values, inside a template."""
    request = Request(
        "POST", "/s/7", "/s/7", b"hook=http://127.0.0.1:1", {b"x-to": b"http://127.0.0.1:2"}
    )
    request.params = {"id": "7"}
    body = {"callbackUrl": "http://127.0.0.1:3/in"}
    assert evaluate("{$request.body#/callbackUrl}", request, body) == "http://127.0.0.1:3/in"
    assert evaluate("$request.body#/callbackUrl", request, body) == "http://127.0.0.1:3/in"
    assert evaluate("{$request.query.hook}/e/{$request.path.id}", request, None) == (
        "http://127.0.0.1:1/e/7"
    )
    assert evaluate("{$request.header.X-To}", request, None) == "http://127.0.0.1:2"
    assert evaluate("{$request.body#/missing}", request, body) is None


def test_a_callback_body_names_the_record() -> None:
    payload = {"event": "x", "subscription": {"uid": "old", "status": "pending"}}
    stamped = stamp(payload, {"uid": "u1", "status": "active"}, "uid")
    assert stamped["subscription"] == {"uid": "u1", "status": "active"}


def test_callbacks_are_sent_from_a_running_loop() -> None:
    """Inside a server's loop a create's callback is handed to the stub's sender."""
    app = mock(HOOKS, activation_delay="fixed:0")

    async def create() -> None:
        send(app, "POST", "/subscriptions", {"callbackUrl": "http://127.0.0.1:9/in"})
        send(app, "POST", "/subscriptions", {"callbackUrl": "http://example.com/in"})
        await app.callbacks.aclose()

    asyncio.run(create())
    stats = app.callbacks.stats
    assert (stats.emitted, stats.refused) == (2, 1)  # only loopback is ever called


def test_templated_routes_prefer_literal_segments() -> None:
    app = mock()
    router: Router = app._router
    matched = router.match("/api/v3/pet/findByStatus", "/api/v3/pet/findByStatus")
    assert matched is not None and matched[0].path == "/api/v3/pet/findByStatus"
    matched = router.match("/api/v3/pet/12", "/api/v3/pet/12")
    assert matched is not None and matched[1] == {"petId": "12"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [("code=201", (201, None, False)), ("example=cat, dynamic=true", (None, "cat", True))],
)
def test_prefer_header_parsing(header: str, expected: tuple[object, ...]) -> None:
    from loadspec.mock.answers import parse_prefer

    prefer = parse_prefer(header.encode())
    assert (prefer.code, prefer.example, prefer.dynamic) == expected
