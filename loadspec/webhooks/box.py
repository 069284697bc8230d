"""Where callbacks wait for their waiters, and waiters for their callbacks (gevent)."""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gevent.event import AsyncResult

__all__ = ["CallbackBox", "subject_of"]


def subject_of(payload: Mapping[str, Any]) -> tuple[str, str] | None:
    """(event, key) of a callback: its `event` and the uid of what it is about (`data.uid`)."""
    event, data = payload.get("event"), payload.get("data")
    if not isinstance(event, str) or not isinstance(data, Mapping):
        return None
    key = data.get("uid")
    return (event, key) if isinstance(key, str) and key else None


@dataclass(slots=True)
class _Waiter:
    event: str | None
    result: AsyncResult = field(default_factory=AsyncResult)


@dataclass(slots=True)
class CallbackBox:
    """Matches callbacks to waits by key, whichever comes first; drops duplicates.

    A callback that arrives before its wait is kept (for `ttl` seconds, at most
    `capacity` of them), so a fast gateway never beats a slow user. Only events some
    spec waits for are kept (`events`; None in it means every event).

    Attributes:
        events: event types worth keeping for a later wait.
        ttl: seconds an unclaimed callback is kept.
        capacity: most unclaimed callbacks kept at once (oldest dropped first).
    """

    events: frozenset[str | None] = frozenset({None})
    ttl: float = 120.0
    capacity: int = 50_000
    counts: dict[str, int] = field(default_factory=dict)
    _waiters: dict[str, list[_Waiter]] = field(default_factory=dict)
    _early: dict[str, deque[tuple[float, str, Mapping[str, Any]]]] = field(default_factory=dict)
    _early_count: int = 0
    _seen: OrderedDict[str, float] = field(default_factory=OrderedDict)

    def deliver(self, payload: Mapping[str, Any], delivery_id: str) -> str:
        """Hand a verified callback to its waiter or keep it; says which (for the stats)."""
        if delivery_id in self._seen:
            return self._count("duplicate")
        now = time.monotonic()
        self._seen[delivery_id] = now
        self._expire(now)
        subject = subject_of(payload)
        if subject is None:
            return self._count("unmatched")
        event, key = subject
        for waiter in self._waiters.get(key, ()):
            if waiter.event in (None, event):
                self._waiters[key].remove(waiter)
                waiter.result.set(payload)
                return self._count("matched")
        if None in self.events or event in self.events:
            self._early.setdefault(key, deque()).append((now, event, payload))
            self._early_count += 1
            return self._count("kept")
        return self._count("ignored")

    def wait(self, key: str, event: str | None, timeout: float) -> Mapping[str, Any] | None:
        """The first callback about `key` (and `event`), arrived or arriving; None at timeout."""
        early = self._take_early(key, event)
        if early is not None:
            return early
        waiter = _Waiter(event)
        self._waiters.setdefault(key, []).append(waiter)
        try:
            waiter.result.wait(timeout)
            return waiter.result.value if waiter.result.ready() else None
        finally:
            waiters = self._waiters.get(key, [])
            if waiter in waiters:
                waiters.remove(waiter)
            if not waiters:
                self._waiters.pop(key, None)

    def _take_early(self, key: str, event: str | None) -> Mapping[str, Any] | None:
        queue = self._early.get(key)
        if not queue:
            return None
        for index, (_, kind, payload) in enumerate(queue):
            if event in (None, kind):
                del queue[index]
                self._early_count -= 1
                if not queue:
                    del self._early[key]
                return payload
        return None

    def _expire(self, now: float) -> None:
        while self._seen and next(iter(self._seen.values())) < now - self.ttl:
            self._seen.popitem(last=False)
        if self._early_count <= self.capacity and not self._early_due(now):
            return
        for key in list(self._early):
            queue = self._early[key]
            while queue and (queue[0][0] < now - self.ttl or self._early_count > self.capacity):
                queue.popleft()
                self._early_count -= 1
                self._count("expired")
            if not queue:
                del self._early[key]

    def _early_due(self, now: float) -> bool:
        # A full sweep only when the oldest key has something past its time: keeps delivery O(1).
        first = next(iter(self._early.values()), None)
        return bool(first) and first[0][0] < now - self.ttl  # type: ignore[index]

    def _count(self, what: str) -> str:
        self.counts[what] = self.counts.get(what, 0) + 1
        return what
