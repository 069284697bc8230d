"""Workers that joined or were lost during a distributed run, as every report names them."""

from __future__ import annotations

import enum
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Membership", "WorkerEvent", "WorkerEventKind"]


class WorkerEventKind(enum.StrEnum):
    """What happened to a worker."""

    JOINED = "joined"
    """It joined after the run had started, and took a share of what was left."""
    LOST = "lost"
    """It went missing (killed, or its link cut): its unfinished work moved to the others."""
    RETURNED = "returned"
    """A lost worker that came back: told to stop; nothing it sent since it was lost counts."""


@dataclass(frozen=True, slots=True)
class WorkerEvent:
    """One worker joined, lost or come back.

    Attributes:
        kind: what happened.
        worker: the worker's id (Locust's: host name and a random part).
        at: when, as a Unix time.
        detail: what moved (iterations, rows) or why, in words.
    """

    kind: WorkerEventKind
    worker: str
    at: float
    detail: str = ""

    def line(self, start: float | None) -> str:
        """`worker w-1 lost at 12:00:03 (+8.1 s): ...`."""
        clock = time.strftime("%H:%M:%S", time.localtime(self.at))
        since = f" (+{self.at - start:.1f} s)" if start else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"worker {self.worker} {self.kind.value} at {clock}{since}{detail}"

    def as_json(self) -> dict[str, Any]:
        """The event in the --json-file verdict entry."""
        kind, worker, detail = self.kind.value, self.worker, self.detail
        return {"worker": worker, "event": kind, "at": self.at, "detail": detail}


@dataclass(frozen=True, slots=True)
class Membership:
    """A distributed run's workers as its master saw them.

    Attributes:
        events: every worker joined late, lost, or come back, in order.
        not_done: iterations left undone because no worker remained to make them.
        abandoned: every worker was lost before the run's end (the run fails).
        start: when the run started (Unix time; None: it never did).
    """

    events: Sequence[WorkerEvent] = ()
    not_done: int = 0
    abandoned: bool = False
    start: float | None = None

    def lines(self) -> list[str]:
        """The summary's `Workers:` block (none when nothing happened)."""
        if not self.events and not self.failed:
            return []
        return ["Workers:"] + [f"  {e.line(self.start)}" for e in self.events]

    @property
    def failed(self) -> bool:
        """Whether the workers' fate fails the run: none remained, work was left undone."""
        return self.abandoned or self.not_done > 0

    @property
    def reason(self) -> str:
        """Why the run failed, when it did for its workers."""
        if self.not_done:
            return f"{self.not_done} iterations not done: every worker was lost"
        return "every worker was lost before the run's end"

    def as_json(self) -> dict[str, Any]:
        """The `workers` entry of the verdict in --json-file."""
        return {
            "events": [e.as_json() for e in self.events],
            "not_done": self.not_done,
            "abandoned": self.abandoned,
        }
