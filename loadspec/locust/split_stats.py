"""Locust's stats with waits and callbacks kept out of the requests' Aggregated row."""

from __future__ import annotations

from typing import Any

from locust.env import Environment
from locust.stats import RequestStats, StatsEntry, StatsError

from loadspec.rows import SIDE_KINDS

__all__ = ["SplitStats", "aggregate_of", "request_entries", "split_stats"]


class SplitStats(RequestStats):
    """`RequestStats` whose total (the Aggregated row) counts requests only.

    A worker sends its total to the master as is, so a master's Aggregated row is the sum of
    the workers' request totals: waits stay out of it in distributed runs too.
    """

    def log_request(self, method: str, name: str, response_time: int, content_length: int) -> None:
        """Count one sample; waits and callbacks only in their own row."""
        if method in SIDE_KINDS:
            self.entries[(name, method)].log(response_time, content_length)
        else:
            super().log_request(method, name, response_time, content_length)

    def log_error(self, method: str, name: str, error: Exception | str | None) -> None:
        """Count one failure; a wait's or a callback's stays out of the total."""
        if method not in SIDE_KINDS:
            super().log_error(method, name, error)
            return
        self.entries[(name, method)].log_error(error)
        key = StatsError.create_key(method, name, error)
        self.errors.setdefault(key, StatsError(method, name, error)).occurred()


def split_stats(environment: Environment) -> None:
    """Make this process's stats `SplitStats`, before the first sample is counted."""
    # The class is swapped in place rather than the object replaced: the runner, the web UI
    # and the distributed-stats listeners Locust registered all hold this very object.
    environment.stats.__class__ = SplitStats


def request_entries(stats: Any) -> list[Any]:
    """The stats rows that are requests (neither waits nor callbacks)."""
    return [e for (_, method), e in stats.entries.items() if method not in SIDE_KINDS]


def aggregate_of(stats: Any, kind: str) -> StatsEntry:
    """One entry summing every row of `kind` (WAIT, CALLBACK)."""
    total = StatsEntry(stats, f"{kind} (all)", kind, use_response_times_cache=False)
    for (_, method), entry in stats.entries.items():
        if method == kind:
            total.extend(entry)
    return total
