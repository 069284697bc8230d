"""Run stats built by hand, as the Locust layer would fill them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from loadspec.rows import RowKind
from loadspec.verdicts.stats import RowError, RowStats, RunStats

START = 1_700_000_000.0
SECONDS = 10.0


def row(method: str, name: str, times: Sequence[float] = (), failures: int = 0) -> RowStats:
    """A row whose samples took `times` (ms), `failures` of them failed, over the run's span."""
    return RowStats(
        method,
        name,
        num_requests=len(times),
        num_failures=failures,
        response_times=dict(Counter(round(t) for t in times)),
        total_response_time=sum(times),
        min_response_time=min(times, default=None),
        max_response_time=max(times, default=0.0),
        total_rps=len(times) / SECONDS,
    )


def run(*rows: RowStats, errors: Sequence[RowError] = ()) -> RunStats:
    """A run of `rows` over `SECONDS`; its total sums the requests (waits, callbacks apart)."""
    requests = [r for r in rows if RowKind.of(r.method) is None]
    times: Counter[int] = Counter()
    for request in requests:
        times.update(request.response_times)
    count = sum(r.num_requests for r in requests)
    total = RowStats(
        "",
        "Aggregated",
        num_requests=count,
        num_failures=sum(r.num_failures for r in requests),
        response_times=dict(times),
        total_response_time=sum(r.total_response_time for r in requests),
        min_response_time=min((r.min_response_time or 0 for r in requests), default=None),
        max_response_time=max((r.max_response_time for r in requests), default=0.0),
        total_rps=count / SECONDS,
    )
    return RunStats(rows, total, errors, START, START + SECONDS)
