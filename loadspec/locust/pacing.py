"""The authors' `rateLimit` as a load run's pacing: one limiter per Locust process.

Their tool (`src/core/runner/rate-limiter.js`) keeps request starts `max(1 /
requestsPerSecond, delayBetweenRequests)` apart and at most `maxConcurrent` requests in flight,
across everything it sends. This does the same for every user of one Locust process; the wait
comes before a request is timed, so it never shows as latency. Its 429 retries are not copied:
under load a 429 is a result to see, not to hide.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import gevent
from gevent.lock import BoundedSemaphore

from loadspec.inputs.api_validation import RateLimit

__all__ = ["Pacer"]


class Pacer:
    """Spaces request starts and bounds requests in flight, for all users of this process."""

    __slots__ = ("_interval", "_next", "_slots", "limit")

    def __init__(self, limit: RateLimit) -> None:
        self.limit = limit
        self._interval = limit.interval
        self._slots = BoundedSemaphore(limit.max_concurrent)
        self._next = 0.0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this request's slot and start; hold the slot while it runs."""
        with self._slots:
            now = time.monotonic()
            start = max(now, self._next)
            # Booked before sleeping, so the next user waits for the slot after this one.
            self._next = start + self._interval
            if start > now:
                gevent.sleep(start - now)
            yield

    def __repr__(self) -> str:
        most = self.limit.max_concurrent
        return f"Pacer(a request start every {self._interval:g} s, {most} at most at once)"
