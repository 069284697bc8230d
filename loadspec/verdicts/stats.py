"""A run's stats as plain snapshots: what the verdict reads, filled by the Locust layer.

The figures and their arithmetic are Locust's (`locust.stats.StatsEntry`): the same fields,
the same percentiles, the same median; `tests/verdicts/test_stats.py` holds the two together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["RowError", "RowStats", "RunStats", "percentile"]


def percentile(response_times: Mapping[int, int], count: int, share: float) -> int:
    """The time `share` of `count` samples took at most (Locust's own reckoning, exactly).

    `response_times` maps a rounded time in ms to how many samples took it.
    """
    within = int(count * share)
    seen = 0
    # items() sorted at once: the mapping may be Locust's own, still counting.
    for time, times in sorted(response_times.items(), reverse=True):
        seen += times
        if count - seen <= within:
            return time
    return 0


@dataclass(frozen=True, slots=True)
class RowStats:
    """One stats row's figures (a request, a wait, a callback, or an aggregate of them).

    Attributes:
        method: the row's type: an HTTP method, WAIT, CALLBACK, SETUP ("" for Aggregated).
        name: the row's name.
        num_requests: samples counted.
        num_failures: of them, failed.
        response_times: samples by rounded time (ms -> count). May be Locust's own dict,
            shared rather than copied: read within the moment it was taken, never changed.
        total_response_time: the samples' times added up (ms).
        min_response_time: the fastest sample (None before any timed one).
        max_response_time: the slowest sample.
        total_rps: samples per second over the run.
        num_none_requests: samples without a time (async ones), never in `response_times`.
    """

    method: str
    name: str
    num_requests: int = 0
    num_failures: int = 0
    response_times: Mapping[int, int] = field(default_factory=dict)
    total_response_time: float = 0.0
    min_response_time: float | None = None
    max_response_time: float = 0.0
    total_rps: float = 0.0
    num_none_requests: int = 0

    @property
    def timed(self) -> int:
        """Samples with a time: what averages and percentiles are over."""
        return self.num_requests - self.num_none_requests

    @property
    def fail_ratio(self) -> float:
        """Failures per sample (1.0 for failures without a sample)."""
        if not self.num_requests:
            return 1.0 if self.num_failures else 0.0
        return self.num_failures / self.num_requests

    @property
    def avg_response_time(self) -> float:
        """The mean time (ms), 0 without a timed sample."""
        return self.total_response_time / self.timed if self.timed else 0.0

    @property
    def median_response_time(self) -> float:
        """The median time (ms), kept within the exact min and max (times are rounded)."""
        if not self.response_times:
            return 0
        median: float = percentile(self.response_times, self.timed, 0.5)
        if median > self.max_response_time:
            return self.max_response_time
        if self.min_response_time is not None and median < self.min_response_time:
            return self.min_response_time
        return median

    def percentile(self, share: float) -> int:
        """The time (ms) `share` (0.95 for p95) of the timed samples took at most."""
        return percentile(self.response_times, self.timed, share)


@dataclass(frozen=True, slots=True)
class RowError:
    """One distinct failure of one row.

    Attributes:
        method: the row's type.
        name: the row's name.
        message: what failed, as the failures table shows it (ids grouped as `<id>`).
        occurrences: how many times.
        example: the first real (masked) message of the row, when it differs.
    """

    method: str
    name: str
    message: str
    occurrences: int
    example: str | None = None


@dataclass(frozen=True, slots=True)
class RunStats:
    """A run's stats so far.

    Attributes:
        rows: every stats row, in the order the run first counted them.
        total: the requests' Aggregated row (waits and callbacks stay out of it).
        errors: every distinct failure.
        start_time: when counting started (epoch seconds).
        last_request_timestamp: when the last request was counted (None before any).
    """

    rows: Sequence[RowStats] = ()
    total: RowStats = field(default_factory=lambda: RowStats("", "Aggregated"))
    errors: Sequence[RowError] = ()
    start_time: float = 0.0
    last_request_timestamp: float | None = None

    @property
    def seconds(self) -> float:
        """From the start to the last request (0 before any)."""
        end = self.last_request_timestamp or self.start_time
        return max(0.0, end - self.start_time)

    @property
    def failures(self) -> int:
        """Failed samples in every row: requests, waits and callbacks."""
        return sum(row.num_failures for row in self.rows)

    def per_second(self, count: int) -> float:
        """`count` over the run's span, as Locust reckons a row's total rps."""
        span = (self.last_request_timestamp or 0.0) - self.start_time
        if not self.last_request_timestamp or not self.start_time or not span:
            return 0.0
        return count / span

    def aggregate(self, kind: str) -> RowStats:
        """One row summing every row of `kind` (WAIT, CALLBACK), named `<kind> (all)`."""
        rows = [row for row in self.rows if row.method == kind]
        count = sum(row.num_requests for row in rows)
        return RowStats(
            kind,
            f"{kind} (all)",
            num_requests=count,
            num_failures=sum(row.num_failures for row in rows),
            response_times=_summed(row.response_times for row in rows),
            total_response_time=sum(row.total_response_time for row in rows),
            min_response_time=min(_times(row.min_response_time for row in rows), default=None),
            max_response_time=max((row.max_response_time for row in rows), default=0.0),
            total_rps=self.per_second(count),
            num_none_requests=sum(row.num_none_requests for row in rows),
        )


def _summed(mappings: Iterable[Mapping[int, int]]) -> dict[int, int]:
    found: dict[int, int] = {}
    for mapping in mappings:
        for time, count in mapping.items():
            found[time] = found.get(time, 0) + count
    return found


def _times(values: Iterable[float | None]) -> list[float]:
    return [value for value in values if value is not None]
