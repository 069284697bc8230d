"""Locust's stats with waits and callbacks kept out of the requests' Aggregated row, and
their snapshot for the verdict (`loadspec.verdicts.stats`)."""

from __future__ import annotations

from locust.env import Environment
from locust.stats import RequestStats, StatsEntry, StatsError

from loadspec.locust.examples import FailureExamples
from loadspec.rows import SIDE_KINDS
from loadspec.verdicts.stats import RowError, RowStats, RunStats

__all__ = ["SplitStats", "run_stats", "split_stats"]


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


def run_stats(stats: RequestStats, examples: FailureExamples | None = None) -> RunStats:
    """Locust's stats as the verdict reads them (with each failure row's real example).

    Taken every second by the abort watcher and every two by the web UI: the response-time
    dicts are shared, not copied (Locust replaces them on reset, never empties them), so a
    snapshot is read in the greenlet step that took it.
    """
    return RunStats(
        rows=[_row_stats(entry) for entry in stats.entries.values()],
        total=_row_stats(stats.total),
        errors=[_row_error(e, examples) for e in stats.errors.values()],
        start_time=stats.total.start_time,
        last_request_timestamp=stats.total.last_request_timestamp,
    )


def _row_error(error: StatsError, examples: FailureExamples | None) -> RowError:
    message = str(error.error)
    example = examples.get((error.method, error.name, message)) if examples else None
    return RowError(error.method, error.name, message, error.occurrences, example)


def _row_stats(entry: StatsEntry) -> RowStats:
    return RowStats(
        entry.method,
        entry.name,
        num_requests=entry.num_requests,
        num_failures=entry.num_failures,
        response_times=entry.response_times,
        total_response_time=entry.total_response_time,
        min_response_time=entry.min_response_time,
        max_response_time=entry.max_response_time,
        total_rps=entry.total_rps,
        num_none_requests=entry.num_none_requests,
    )
