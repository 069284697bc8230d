"""The cost of contract checks during load: `ResponseChecker.check` at a sample rate of 1.0.

    python -m bench conformance [--requests 2000] [--rounds 5] [--doc docs/benchmarks.md]

Two figures, on responses the embedded gateway really sends (it runs in its own process):
1. per check, in microseconds of CPU: the gateway's responses (channel created, message sent,
   channel read, a 422 and a 404), valid and broken by the gateway's contract-breaking fault;
   with jsonschema-rs confirming valid responses (the default) and with jsonschema alone;
2. under load, per request of Locust's FastHttpSession (FastHttpUser's client): the client CPU
   of a `POST /channels`, and of the check of its response timed inside the same loop.
CPU time is this process's only (`time.process_time`); the gateway's work is not in it.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

# locust first: its gevent patching must precede any other import of ssl users.
import locust  # noqa: F401  isort: skip

from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from bench._report import DOC, ROOT, machine, write_section
from loadspec.contract import conformance
from loadspec.contract import validators as schema_validators
from loadspec.contract.conformance import ResponseChecker
from loadspec.contract.lookup import load_contract
from loadspec.stub import Faults, StubServer

GATEWAY = ROOT / "swagger" / "communication" / "legacy" / "communication.json"
BASE = "/business/communication"
TOKEN = "bench-conformance-token"


@dataclass(frozen=True, slots=True)
class Sample:
    """One recorded response and the checker of its operation."""

    name: str
    checker: ResponseChecker
    status: int
    content_type: str | None
    body: bytes


def checker(method: str, path: str) -> ResponseChecker:
    operation = load_contract(GATEWAY).find_operation(method, BASE + path)
    assert operation is not None, path
    return ResponseChecker.for_operation(operation)


def record(session: FastHttpSession) -> list[Sample]:
    """The gateway's real answers for the operations a load run calls."""
    channel = session.post(f"{BASE}/channels", json={"business_uid": "b", "type": "transactional"})
    uid = channel.json()["data"]["channel"]["uid"]
    message = session.post(
        f"{BASE}/messages",
        json={"channel_uid": uid, "external_uid": "e1", "message": "hi", "message_uid": "m1"},
    )
    read = session.get(f"{BASE}/channels/{uid}")
    invalid = session.post(f"{BASE}/channels", json={"type": "nope"})
    missing = session.get(f"{BASE}/channels/no-such-channel")
    answers = [
        ("channel created", "POST", "/channels", channel),
        ("message sent", "POST", "/messages", message),
        ("channel read", "GET", "/channels/{uid}", read),
        ("invalid body", "POST", "/channels", invalid),
        ("no such channel", "GET", "/channels/{uid}", missing),
    ]
    return [
        Sample(
            f"{r.status_code} {what}",
            checker(method, path),
            r.status_code,
            r.headers.get("content-type"),
            r.content or b"",
        )
        for what, method, path, r in answers
    ]


def per_check_us(samples: list[Sample], rounds: int, repeat: int = 2000) -> float:
    """Best-of-rounds CPU microseconds of one check, averaged over the samples."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(repeat):
            for s in samples:
                s.checker.check(s.status, s.content_type, s.body)
        best = min(best, time.process_time() - started)
    return best / (repeat * len(samples)) * 1e6


def in_load(session: FastHttpSession, requests: int) -> tuple[float, float]:
    """Client CPU microseconds per `POST /channels` request, and per check of its response.

    The check is timed inside the request loop, where caches are as cold as under load: the
    same check costs several times its tight-loop figure there.
    """
    create = checker("POST", "/channels")
    body = {"business_uid": "b", "type": "transactional"}
    requesting = checking = 0.0
    for _ in range(requests):
        started = time.process_time()
        response = session.post(f"{BASE}/channels", json=body)
        received = time.process_time()
        problem = create.check(
            response.status_code, response.headers.get("content-type"), response.content or b""
        )
        checking += time.process_time() - received
        requesting += received - started
        assert problem is None, problem
    return requesting / requests * 1e6, checking / requests * 1e6


def best_in_load(session: FastHttpSession, requests: int, rounds: int) -> tuple[float, float]:
    """The round with the least request CPU, so both figures come from one quiet round."""
    return min((in_load(session, requests) for _ in range(rounds)), key=lambda pair: pair[0])


def session_for(stub: StubServer) -> FastHttpSession:
    env = Environment()
    return FastHttpSession(
        stub.url,
        request_event=env.events.request,
        user=None,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench conformance", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown file to write")
    args = parser.parse_args(argv)
    common = {"tokens": (TOKEN,), "activation_delay": "0", "message_delay": "1000", "seed": 1}
    with StubServer(**common) as stub:
        session = session_for(stub)
        samples = record(session)
        assert all(s.checker.check(s.status, s.content_type, s.body) is None for s in samples)
        fast = per_check_us(samples, args.rounds)
        request, in_situ = best_in_load(session, args.requests, args.rounds)
    with StubServer(**common, faults=Faults(contract_break_rate=1.0)) as broken_stub:
        broken = [s for s in record(session_for(broken_stub)) if 200 <= s.status < 300]
        assert all(s.checker.check(s.status, s.content_type, s.body) for s in broken)
        violation = per_check_us(broken, args.rounds, repeat=200)
    schema_validators.jsonschema_rs = None  # type: ignore[assignment]  # the pure-Python path
    conformance.clear_cache()
    slow_samples = [
        Sample(s.name, checker(*_operation_of(s)), s.status, s.content_type, s.body)
        for s in samples
    ]
    slow = per_check_us(slow_samples, args.rounds, repeat=200)
    write(
        args, samples, fast=fast, slow=slow, violation=violation, request=request, in_situ=in_situ
    )
    return 0


def _operation_of(sample: Sample) -> tuple[str, str]:
    operation = sample.checker.operation
    return operation.method, operation.path[len(BASE) :]


def write(
    args: argparse.Namespace,
    samples: list[Sample],
    *,
    fast: float,
    slow: float,
    violation: float,
    request: float,
    in_situ: float,
) -> None:
    statuses = ", ".join(f"{s.name} ({len(s.body)} B)" for s in samples)
    table = (
        "## Contract checks during load (`--validate-responses 1`)\n\n"
        f"`python -m bench conformance` — responses recorded from the embedded gateway: "
        f"{statuses}. Best of {args.rounds} rounds; CPU time of the checking process only "
        "(the gateway runs in its own process).\n\n"
        f"Machine: {machine()}\n\n"
        "Tight loop over the recorded responses:\n\n"
        "| what | CPU per check |\n|---|---|\n"
        f"| valid response, jsonschema-rs confirms (default) | {fast:.1f} µs |\n"
        f"| valid response, jsonschema alone (no jsonschema-rs) | {slow:.1f} µs |\n"
        f"| violating response (contract-breaking fault), message built by jsonschema "
        f"| {violation:.1f} µs |\n\n"
        f"Under load: Locust's FastHttpSession (FastHttpUser's client), {args.requests} "
        f"sequential `POST {BASE}/channels`, each response checked (rate 1.0):\n\n"
        "| what | client CPU per request |\n|---|---|\n"
        f"| the request (send, receive, Locust's request event) | {request:.1f} µs |\n"
        f"| its check | {in_situ:.1f} µs |\n\n"
        f"Cost at rate 1.0: **{in_situ:.1f} µs per request, {in_situ / request * 100:.0f}%** "
        "of a FastHttpUser request's client CPU. A sample rate of 0.1 costs a tenth of it.\n"
    )
    print(table)
    write_section("conformance", table, args.doc)
