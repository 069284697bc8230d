"""Per-business token buckets: the contract's throttling tier (8 requests per second)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RateLimiter"]


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


@dataclass(slots=True)
class RateLimiter:
    """Allows `rate` requests per second per key, with bursts of up to one second's worth.

    Attributes:
        rate: requests per second per key; 0 turns limiting off.
        clock: a monotonic clock, in seconds.
    """

    rate: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def retry_after(self, key: str) -> int | None:
        """Take one token for `key`: `None` if allowed, else whole seconds to wait (>= 1)."""
        if self.rate <= 0:
            return None
        now = self.clock()
        capacity = max(self.rate, 1.0)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))
