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
from loadspec.language import CheckOptions, load_text
from loadspec.language.model import TokenType
from loadspec.runtime.calls import Call, Reply
from loadspec.runtime.compiled import compile_spec
from loadspec.runtime.engine import Judge, SpecRunner

SPEC = ROOT / "specs/communication/post_business_communication_messages_on_active_channel.md"
REPLY = json.dumps(
    {"data": {"message": {"uid": "m" * 32, "status": "queued", "channel_uid": "c" * 32}}}
).encode()
PREPARED = {"channel_uid": "c" * 32, "contact_uid": "k" * 24, "channel_status": "active"}


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
no cookie jar) saves at least as much of Locust's `request()`."""
    write_section("engine", body, args.doc)
    return 0
