"""Where callbacks wait for their waiters, and waiters for their callbacks (gevent)."""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gevent.event import AsyncResult

from loadspec.webhooks.limits import WebhookLimits

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
    label: str = ""
    started: float = field(default_factory=time.monotonic)
    abandoned: bool = False
    result: AsyncResult = field(default_factory=AsyncResult)


@dataclass(slots=True)
class _Kept:
    """A callback that arrived before its wait; `taken` once a wait claims it."""

    at: float
    key: str
    event: str
    payload: Mapping[str, Any]
    size: int
    taken: bool = False


@dataclass(slots=True)
class _Seen:
    """Delivery ids seen recently, in time buckets: a replay inside the window is dropped.

    Ids are kept as their 64-bit hashes, in a few sets by arrival time, so that forgetting the
    oldest is dropping a whole set, and a flood of unique ids costs ~60 bytes each.
    """

    window: float
    capacity: int
    buckets: deque[tuple[float, set[int]]] = field(default_factory=deque)
    size: int = 0

    def add(self, delivery_id: str, now: float) -> bool:
        """Remember `delivery_id`; False when it was already seen inside the window."""
        digest = hash(delivery_id)
        if any(digest in ids for _, ids in self.buckets):
            return False
        if not self.buckets or self.buckets[-1][0] < now - self.window / 8:
            self.buckets.append((now, set()))
        self.buckets[-1][1].add(digest)
        self.size += 1
        while self.buckets and (
            self.buckets[0][0] < now - self.window - self.window / 8 or self.size > self.capacity
        ):
            self.size -= len(self.buckets.popleft()[1])
        return True


@dataclass(slots=True)
class CallbackBox:
    """Matches callbacks to waits by key, whichever comes first; drops duplicates.

    A callback that arrives before its wait is kept (for `ttl` seconds, at most
    `capacity` of them and `capacity_bytes` of their bodies, the oldest dropped first and
    counted), so a fast gateway never beats a slow user. Only events some spec waits for
    are kept (`events`; None in it means every event). Every operation is O(1): waits and
    kept callbacks are indexed by key, and kept callbacks also queue in arrival order, so
    the oldest goes first.

    Attributes:
        events: event types worth keeping for a later wait.
        ttl: seconds an unclaimed callback is kept.
        capacity: most unclaimed callbacks kept at once (oldest dropped first).
        capacity_bytes: most bytes of unclaimed callbacks' bodies kept at once (the same).
        replay_window: seconds a delivery id is remembered (a replay inside it is dropped).
        seen_capacity: most delivery ids remembered (the oldest are forgotten first).
        counts: what happened to callbacks, by outcome.
    """

    events: frozenset[str | None] = frozenset({None})
    ttl: float = 120.0
    capacity: int = 20_000
    capacity_bytes: int = 32 << 20
    replay_window: float = 600.0
    seen_capacity: int = 1_000_000
    counts: dict[str, int] = field(default_factory=dict)
    _waiters: dict[str, list[_Waiter]] = field(default_factory=dict)
    _early: dict[str, deque[_Kept]] = field(default_factory=dict)
    _order: deque[_Kept] = field(default_factory=deque)
    _early_count: int = 0
    _early_bytes: int = 0
    _seen: _Seen = field(init=False)

    def __post_init__(self) -> None:
        self._seen = _Seen(self.replay_window, self.seen_capacity)

    @classmethod
    def limited(cls, limits: WebhookLimits, events: frozenset[str | None]) -> CallbackBox:
        """A box for `events` bounded as `limits` say."""
        return cls(
            events=events,
            ttl=limits.pending_ttl,
            capacity=limits.max_pending,
            capacity_bytes=limits.max_pending_bytes,
            replay_window=limits.replay_window,
        )

    @property
    def pending(self) -> int:
        """Callbacks kept for waits that have not claimed them yet."""
        return self._early_count

    @property
    def pending_bytes(self) -> int:
        """The body bytes of the callbacks kept."""
        return self._early_bytes

    def deliver(self, payload: Mapping[str, Any], delivery_id: str, size: int | None = None) -> str:
        """Hand a verified callback to its waiter or keep it; says which (for the stats).

        `size` is its body's length (None: measured here, as compact JSON).
        """
        now = time.monotonic()
        if not self._seen.add(delivery_id, now):
            return self._count("duplicate")
        self._expire(now)
        subject = subject_of(payload)
        if subject is None:
            return self._count("unmatched")
        event, key = subject
        waiter = self._claim(key, event)
        if waiter is not None:
            waiter.result.set(payload)
            return self._count("matched")
        if None in self.events or event in self.events:
            self._keep(_Kept(now, key, event, payload, _size(payload, size)))
            return self._count("kept")
        return self._count("ignored")

    def _claim(self, key: str, event: str) -> _Waiter | None:
        waiters = self._waiters.get(key) or []
        for index, waiter in enumerate(waiters):
            if waiter.event in (None, event) and not waiter.abandoned:
                del waiters[index]
                return waiter
        return None

    def _keep(self, kept: _Kept) -> None:
        self._early.setdefault(kept.key, deque()).append(kept)
        self._order.append(kept)
        self._early_count += 1
        self._early_bytes += kept.size
        while self._early_count > self.capacity or self._early_bytes > self.capacity_bytes:
            self._drop_oldest("dropped")

    def wait(
        self, key: str, event: str | None, timeout: float, label: str = ""
    ) -> Mapping[str, Any] | None:
        """The first callback about `key` (and `event`), arrived or arriving; None at timeout.

        `label` names the wait (its step id) in `abandon`'s answer.
        """
        early = self._take_early(key, event)
        if early is not None:
            return early
        waiter = _Waiter(event, label)
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

    def waiting(self, since: float) -> int:
        """How many waits begun before `since` (a monotonic time) are still unanswered."""
        return len(self._unanswered(since))

    def abandon(self, since: float) -> list[tuple[str, float]]:
        """Give up the waits begun before `since`: (label, seconds waited) of each.

        No callback answers them after this: the run is over, and each counts as a failure.
        """
        now = time.monotonic()
        unanswered = self._unanswered(since)
        for waiter in unanswered:
            waiter.abandoned = True
        return [(waiter.label, now - waiter.started) for waiter in unanswered]

    def _unanswered(self, since: float) -> list[_Waiter]:
        return [
            waiter
            for waiters in self._waiters.values()
            for waiter in waiters
            if waiter.started < since and not waiter.abandoned and not waiter.result.ready()
        ]

    def _take_early(self, key: str, event: str | None) -> Mapping[str, Any] | None:
        queue = self._early.get(key)
        if not queue:
            return None
        for index, kept in enumerate(queue):
            if event in (None, kept.event):
                del queue[index]
                if not queue:
                    del self._early[key]
                kept.taken = True
                self._early_count -= 1
                self._early_bytes -= kept.size
                return kept.payload
        return None

    def _expire(self, now: float) -> None:
        order, cutoff = self._order, now - self.ttl
        while order and (order[0].taken or order[0].at < cutoff):
            if order[0].taken:
                order.popleft()
            else:
                self._drop_oldest("expired")

    def _drop_oldest(self, why: str) -> None:
        # The oldest kept callback is the first of its key's queue too: both pops are O(1).
        kept = self._order.popleft()
        if kept.taken:
            return
        queue = self._early[kept.key]
        queue.popleft()
        if not queue:
            del self._early[kept.key]
        self._early_count -= 1
        self._early_bytes -= kept.size
        self._count(why)

    def _count(self, what: str) -> str:
        self.counts[what] = self.counts.get(what, 0) + 1
        return what


def _size(payload: Mapping[str, Any], size: int | None) -> int:
    if size is not None:
        return size
    return len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
