"""Signed callback delivery, with retries, backoff and the callback faults.

A callback is `POST <callback_url>` with the JSON body
`{"id", "event", "occurred_at", "data"}` and `Authorization: Bearer <JWT HS256>` whose
`payload_hash` claim is the SHA-256 of the body (see `loadspec.webhooks.signing`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Coroutine
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from loadspec.inputs.targets import AllowList
from loadspec.stub.config import StubConfig
from loadspec.stub.gateway.http import dumps
from loadspec.stub.gateway.poster import Poster, PostError
from loadspec.stub.gateway.state import iso_now, new_uid
from loadspec.webhooks.signing import hmac_signature, sign_callback

__all__ = ["CallbackSender", "CallbackStats", "is_loopback_url"]

MAX_IN_FLIGHT = 10_000
REORDER_HOLD = 0.5  # seconds a reordered callback is held back, so later ones overtake it
MAX_RETRY_AFTER = 10.0
_RETRY_STATUSES = frozenset({408, 425, 429})


@dataclass(slots=True)
class CallbackStats:
    """Counters of what happened to callbacks, served at `GET /__stub/stats`.

    Attributes:
        emitted: callbacks the gateway wanted to send (before faults).
        delivered: deliveries answered 2xx.
        retried: attempts that failed and were tried again.
        failed: callbacks given up after the last attempt, or refused with a 4xx.
        dropped: callbacks dropped by the `callback_drop_rate` fault.
        duplicated: extra copies sent by the `callback_duplicate_rate` fault.
        reordered: callbacks held back by the `callback_reorder_rate` fault.
        refused: callbacks not sent because their URL is neither on a loopback host nor on
            one --allow-host names.
        overflow: callbacks not sent because too many were in flight.
    """

    emitted: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0
    refused: int = 0
    overflow: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def is_loopback_url(url: str) -> bool:
    """Whether `url` is http(s) to localhost or a loopback address (served without
    --allow-host)."""
    return _sendable(url, _LOOPBACK_ONLY)


_LOOPBACK_ONLY = AllowList()


def _sendable(url: str, allowed: AllowList) -> bool:
    """Whether `url` is http(s) to loopback or to a host `allowed` names (the load run's
    rules)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and allowed.allows(host or "")


class CallbackSender:
    """Sends callbacks from the server's event loop; never blocks a request."""

    def __init__(self, config: StubConfig, rng: random.Random) -> None:
        self._config = config
        self._faults = config.faults
        self._rng = rng
        self._poster = Poster(timeout=5.0)
        self._checked: dict[str, bool] = {}
        self._allowed = AllowList.of(config.allow_hosts)
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = CallbackStats()

    def emit(self, url: str | None, event: str, data: dict[str, Any]) -> None:
        """Schedule the delivery of one event to `url` (nothing happens when `url` is None)."""
        url = url or self._config.callback_url
        if url is None:
            return
        body = dumps({"id": new_uid(), "event": event, "occurred_at": iso_now(), "data": data})
        self.send(url, body)

    def send(self, url: str, body: bytes, after: float = 0.0) -> None:
        """Schedule `body`, signed, to `url` in `after` seconds, with the callback faults."""
        self.stats.emitted += 1
        if not self._loopback(url):
            self.stats.refused += 1
            return
        if self._draw(self._faults.callback_drop_rate):
            self.stats.dropped += 1
            return
        copies = 2 if self._draw(self._faults.callback_duplicate_rate) else 1
        self.stats.duplicated += copies - 1
        for _ in range(copies):
            self._spawn(self._deliver(url, body, after + self._delay()))

    def _loopback(self, url: str) -> bool:
        allowed = self._checked.get(url)
        if allowed is None:
            allowed = _sendable(url, self._allowed)
            if len(self._checked) < 10_000:
                self._checked[url] = allowed
        return allowed

    def _draw(self, rate: float) -> bool:
        return rate > 0 and self._rng.random() < rate

    def _delay(self) -> float:
        delay = self._faults.callback_delay.sample(self._rng)
        if self._draw(self._faults.callback_reorder_rate):
            self.stats.reordered += 1
            delay += REORDER_HOLD
        return delay

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if len(self._tasks) >= MAX_IN_FLIGHT:
            self.stats.overflow += 1
            coro.close()
            return
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, body: bytes, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        for attempt in range(self._config.callback_attempts):
            wait = await self._attempt(url, body, attempt)
            if wait is None:
                return
            if attempt + 1 < self._config.callback_attempts:
                self.stats.retried += 1
                await asyncio.sleep(wait)
        self.stats.failed += 1

    def _signed(self, body: bytes) -> dict[str, str]:
        """The signature header of `body`, in the configured scheme (none: no header)."""
        config = self._config
        if config.callback_signature == "hmac-sha256":
            signature = hmac_signature(body, config.webhook_secret)
            return {config.callback_signature_header.lower(): signature}
        if config.callback_signature == "none":
            return {}
        return {"authorization": sign_callback(body, config.webhook_secret)}

    async def _attempt(self, url: str, body: bytes, attempt: int) -> float | None:
        """POST once; `None` when done (delivered or refused for good), else seconds to wait."""
        backoff = self._config.callback_backoff * 2.0**attempt
        headers = {"content-type": "application/json", **self._signed(body)}
        try:
            posted = await self._poster.post(url, body, headers)
        except PostError:
            return backoff
        if posted.status < 300:
            self.stats.delivered += 1
            return None
        if posted.status in _RETRY_STATUSES or posted.status >= 500:
            return max(backoff, _retry_after(posted.retry_after))
        self.stats.failed += 1
        return None

    async def aclose(self) -> None:
        """Cancel deliveries still pending and close idle connections."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._poster.close()


def _retry_after(value: str | None) -> float:
    try:
        return min(float(value or 0), MAX_RETRY_AFTER)
    except ValueError:
        return 0.0
