"""Per-request faults: errors, latency, connection resets, broken JSON, contract-breaking bodies."""

from __future__ import annotations

import random
from typing import Any

from loadspec.stub.config import Faults
from loadspec.stub.gateway.http import Answer, dumps
from loadspec.stub.gateway.validation import Issue

__all__ = ["RESET", "FaultInjector"]

RESET = Answer(0, b"")  # marker: answer nothing, reset the connection
_INJECTED = Issue("unexpected", "injected fault: --error-rate")


class FaultInjector:
    """Draws, per request, which fault (if any) hits it."""

    def __init__(self, faults: Faults, rng: random.Random) -> None:
        self._faults = faults
        self._rng = rng
        self.active = faults.serving_faults

    def _draw(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def error(self) -> bool:
        """Whether to answer 500 instead of serving (drawn before the request changes state)."""
        return self._draw(self._faults.error_rate)

    @staticmethod
    def error_issue() -> Issue:
        return _INJECTED

    def latency(self) -> float:
        """Seconds to hold an answer back (the latency fault), 0 without it."""
        if self._faults.latency.is_zero:
            return 0.0
        return self._faults.latency.sample(self._rng)

    def after(self, reply: Answer) -> Answer:
        """The reply, reset, made malformed, or made to break the contract (drawn in that order)."""
        if self._draw(self._faults.reset_rate):
            return RESET
        if self._draw(self._faults.malformed_rate):
            cut = reply.body[: max(1, len(reply.body) // 2)]
            return Answer(reply.status, cut + b"\x00}", reply.headers)
        if 200 <= reply.status < 300 and self._draw(self._faults.contract_break_rate):
            return self._broken(reply)
        return reply

    def _broken(self, reply: Answer) -> Answer:
        if reply.payload is not None and not isinstance(reply.payload, dict):
            return Answer(reply.status, b"{}", reply.headers, {})  # an object for an array (mock)
        payload: dict[str, Any] = dict(reply.payload or {})
        if self._rng.random() < 0.5:
            payload.pop("data", None)  # a required member missing
        else:
            key = "success" if "success" in payload else "status"
            payload[key] = 42  # a member of the wrong type
        return Answer(reply.status, dumps(payload), reply.headers, payload)
