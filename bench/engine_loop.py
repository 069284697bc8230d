"""loadspec's own work per iteration of the seed's test request, without the network.

    python -m bench engine [--iterations 200000] [--rounds 5] [--doc docs/benchmarks.md]

One `SpecRunner` runs the test request of
specs/communication/post_business_communication_messages_on_active_channel.md over and over
against a canned transport (no sockets, no Locust): it renders the message body from the
spec, builds the `Call`, serialises the body as the Locust transport does, and judges a
canned 201 JSON reply (status, JSON parse). Beside it, the same work as the hand-written
FastHttpUser task (bench/chain/handwritten.py) does it in plain Python: `uuid4().hex`, an
f-string body, `json.dumps`, `json.loads`. The difference is what loadspec's engine costs
a request beyond what a hand-written user also spends; each figure is the best of
`--rounds`, in µs of wall time of this one process.

Then what a failure costs the secret mask (loadspec.inputs.masking), a tenth as many times:
the excerpt of a failing 1 KB reply (masked, then cut), with and without the token in it,
and the transport's last pass over a failure message.
"""

from __future__ import annotations

import argparse
import json
import timeit
import uuid
from pathlib import Path
from typing import Any

from bench._report import DOC, ROOT, load_average, machine, write_section
from loadspec.inputs.credentials import Credentials
from loadspec.inputs.masking import masker
from loadspec.language import CheckOptions, load_text
from loadspec.language.model import TokenType
from loadspec.runtime.calls import Call, Reply, excerpt
from loadspec.runtime.compiled import compile_spec
from loadspec.runtime.engine import Judge, SpecRunner

SPEC = ROOT / "specs/communication/post_business_communication_messages_on_active_channel.md"
REPLY = json.dumps(
    {"data": {"message": {"uid": "m" * 32, "status": "queued", "channel_uid": "c" * 32}}}
).encode()
PREPARED = {"channel_uid": "c" * 32, "contact_uid": "k" * 24, "channel_status": "active"}
SECRET = "k3Jf8sQ1vX9zL2mN7pR4tW6yB0cD5eG8hJ1lO3qS"  # a 40-character token
FAILING = json.dumps(
    {
        "success": False,
        "errors": [{"code": "unavailable", "message": "the service is unavailable " * 30}],
        "request_id": "3f2a9c1e-55aa-4b6e-9d1f-0a1b2c3d4e5f",
    }
).encode()
FAILURE = (
    "main_request: expected status 201, got 503: "
    + excerpt(FAILING)
    + " (POST /business/communication/messages)"
)


class CannedTransport:
    """Serialises the body as the Locust transport does; every reply is the canned 201."""

    def exchange(self, call: Call, judge: Judge) -> Reply:
        if call.json is not None:
            json.dumps(call.json).encode()
        reply = Reply(201, REPLY, "application/json", 1.0)
        if judge(reply) is not None:
            raise SystemExit(f"the canned reply failed its checks: {judge(reply)}")
        return reply

    def record(self, kind: str, name: str, elapsed_ms: float, failure: str | None) -> None:
        raise SystemExit(f"unexpected row {kind} {name}: {failure}")

    def sleep(self, seconds: float) -> None:
        """Never called: the test request neither sleeps nor waits."""


def runner() -> SpecRunner:
    """The seed's test request, its prerequisites' values already prepared."""
    result = load_text(SPEC.read_text(), SPEC, CheckOptions(contracts=False))
    run = SpecRunner(
        compile_spec(result.unwrap()),
        CannedTransport(),
        Credentials({TokenType.STAFF: "bench-token"}),
        {"business_id": "bench-business"},
    )
    run._prepared = dict(PREPARED)  # what the prerequisites would have extracted
    return run


def handwritten() -> None:
    """The hand-written task's own work for one message (bench/chain/handwritten.py)."""
    unique = uuid.uuid4().hex
    body = {
        "channel_uid": PREPARED["channel_uid"],
        "external_uid": f"loadspec-{unique}",
        "contact_uid": PREPARED["contact_uid"],
        "message": f"Load test message {unique}",
        "message_uid": f"msg-{unique}",
    }
    json.dumps(body).encode()
    json.loads(REPLY)


def best_us(function: Any, iterations: int, rounds: int) -> float:
    """The best of `rounds` timings of `iterations` calls, in µs a call."""
    return min(timeit.repeat(function, number=iterations, repeat=rounds)) / iterations * 1e6


def masking_rows(iterations: int, rounds: int) -> list[tuple[str, float]]:
    """µs a call of what the mask does on a failure: excerpts, and the transport's pass."""
    secrets, mask = (SECRET,), masker((SECRET,))
    echoed = FAILING.replace(b"the service", f"token {SECRET} is".encode(), 1)
    cases = [
        (f"`excerpt()` of a failing {len(FAILING):,}-byte reply, no token in it", FAILING),
        ("the same reply, the token echoed in it (masked)", echoed),
    ]
    rows = [
        (name, best_us(lambda b=body: excerpt(b, secrets), iterations, rounds))
        for name, body in cases
    ]
    last = best_us(lambda: mask(FAILURE), iterations, rounds)
    return [*rows, (f"the transport's last pass over a {len(FAILURE)}-character failure", last)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench engine", description=__doc__)
    parser.add_argument("--iterations", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    run = runner()
    before = load_average()
    engine = best_us(run.iteration, args.iterations, args.rounds)
    hand = best_us(handwritten, args.iterations, args.rounds)
    print(f"SpecRunner iteration: {engine:.2f} µs; hand-written equivalent: {hand:.2f} µs")
    calls = max(1, args.iterations // 10)
    masking = masking_rows(calls, args.rounds)
    for name, cost in masking:
        print(f"{name}: {cost:.2f} µs")
    masking_table = "\n".join(f"| {name} | {cost:.2f} |" for name, cost in masking)
    body = f"""## The engine's own work per request

`python -m bench engine` — the seed's test request (`POST /business/communication/messages`)
run by one `SpecRunner` over a canned transport, without sockets or Locust: rendering the
body from the spec, the `Call`, `json.dumps` of the body, and judging a canned 201 JSON reply.
Beside it, the hand-written FastHttpUser task's own work for one message (`uuid4().hex`, an
f-string body, `json.dumps`, `json.loads`). Best of {args.rounds} rounds of
{args.iterations:,} iterations.

Machine: {machine()}; load average {before}.

| side | µs per iteration |
|---|---|
| loadspec `SpecRunner.iteration()` | {engine:.2f} |
| hand-written equivalent | {hand:.2f} |

loadspec's engine costs {engine - hand:.1f} µs a request more than the hand-written task's
own work; in the peers table above, the lean path through Locust (no `catch_response`,
no cookie jar) saves at least as much of Locust's `request()`.

What a failure costs the secret mask (one 40-character token; best of {args.rounds} rounds of
{calls:,} calls): the excerpt reads 640 bytes, masks them, then cuts; a reply
with no token in it takes the fast path (read it once, look up a sample of its runs), one
with the token is read again to find where each masked character came from.

| failure | µs per call |
|---|---|
{masking_table}"""
    write_section("engine", body, args.doc)
    return 0
