"""The stats the verdict reads: Locust's figures, reckoned exactly as Locust does."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from loadspec.verdicts.stats import RowStats, RunStats, percentile
from tests.conftest import ROOT
from tests.verdicts.build import SECONDS, START, row, run


@pytest.mark.parametrize(
    ("share", "expected"), [(0.0, 10), (0.5, 30), (0.6, 40), (0.95, 100), (1.0, 100)]
)
def test_percentile_counts_down_from_the_slowest(share: float, expected: int) -> None:
    """The time `share` of the samples took at most, over rounded times and their counts."""
    assert percentile({10: 1, 20: 1, 30: 1, 40: 1, 100: 1}, 5, share) == expected


def test_percentile_of_nothing_is_zero() -> None:
    """No sample, no time (as Locust says)."""
    assert percentile({}, 0, 0.95) == 0


def test_a_rows_figures() -> None:
    """Failure ratio, mean and median as Locust shows them; the median within min and max."""
    secure = row("GET", "/secure", [10, 20, 30, 40, 100], failures=1)
    assert secure.fail_ratio == 0.2
    assert (secure.avg_response_time, secure.median_response_time) == (40.0, 30)
    # Rounded to 1100 in the counts, the one sample is 1049 ms: the median says 1049.
    slow = RowStats("GET", "/slow", 1, 0, {1100: 1}, 1049, 1049, 1049)
    assert slow.median_response_time == 1049
    assert RowStats("GET", "/none", 0, 2).fail_ratio == 1.0
    assert RowStats("GET", "/none").avg_response_time == 0.0


def test_samples_without_a_time_count_but_are_not_timed() -> None:
    """Async samples (no time) are requests, yet not in the mean or the percentiles."""
    entry = RowStats("GET", "/a", 4, 0, {10: 1, 20: 1}, 30, 10, 20, num_none_requests=2)
    assert (entry.timed, entry.avg_response_time, entry.percentile(0.5)) == (2, 15.0, 20)


def test_an_aggregate_sums_its_kind_only() -> None:
    """WAIT (all): every wait row added up, the rate over the run's span; requests left out."""
    stats = run(
        row("GET", "/secure", [10]),
        row("WAIT", "channel_active", [1000, 3000], failures=1),
        row("WAIT", "session_started", [2000]),
    )
    waits = stats.aggregate("WAIT")
    assert (waits.method, waits.name) == ("WAIT", "WAIT (all)")
    assert (waits.num_requests, waits.num_failures) == (3, 1)
    assert dict(waits.response_times) == {1000: 1, 2000: 1, 3000: 1}
    assert (waits.min_response_time, waits.max_response_time) == (1000, 3000)
    assert waits.total_rps == pytest.approx(3 / SECONDS)
    nothing = stats.aggregate("CALLBACK")
    assert (nothing.num_requests, nothing.min_response_time, nothing.total_rps) == (0, None, 0.0)


def test_the_runs_span() -> None:
    """Seconds from the start to the last request; no rate before any request."""
    assert run(row("GET", "/a", [1])).seconds == SECONDS
    idle = RunStats(start_time=START)
    assert (idle.seconds, idle.per_second(5), idle.failures) == (0.0, 0.0, 0)


# Run in a fresh process: locust patches with gevent on import, too late in pytest's own.
LOCUST_SIDE_BY_SIDE = """
import json, random
from locust.stats import StatsEntry, calculate_response_time_percentile
from loadspec.locust.split_stats import SplitStats, run_stats
from loadspec.verdicts.stats import percentile

rng = random.Random(20240611)
SHARES = (0.0, 0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0)
wrong = []
for _ in range(5000):
    times = {rng.randrange(0, 70000): rng.randint(1, 40) for _ in range(rng.randint(0, 25))}
    count = max(0, sum(times.values()) - rng.randint(0, 3))
    share = rng.choice((*SHARES, rng.random()))
    ours = percentile(times, count, share)
    theirs = calculate_response_time_percentile(times, count, share)
    if ours != theirs:
        wrong.append(["percentile", times, count, share, ours, theirs])

stats = SplitStats()
KINDS = (("GET", "/a"), ("POST", "/b"), ("WAIT", "channel_active"), ("WAIT", "session"),
         ("CALLBACK", "message.sent"), ("SETUP", "prerequisites"))
for _ in range(4000):
    method, name = rng.choice(KINDS)
    took = rng.choice((rng.randrange(0, 300), rng.uniform(0, 20000), rng.randrange(0, 90000), None))
    stats.log_request(method, name, took, 0)
    if rng.random() < 0.1:
        stats.log_error(method, name, f"{name}: failed {rng.randrange(3)}")
snapshot = run_stats(stats)

def figures(entry, percentile):
    found = {s: percentile(s) for s in SHARES}
    found.update(avg=entry.avg_response_time, median=entry.median_response_time,
                 fail=entry.fail_ratio, rps=entry.total_rps, n=entry.num_requests,
                 failures=entry.num_failures, min=entry.min_response_time,
                 max=entry.max_response_time)
    return found

pairs = list(zip(stats.entries.values(), snapshot.rows)) + [(stats.total, snapshot.total)]
for kind in ("WAIT", "CALLBACK"):
    total = StatsEntry(stats, f"{kind} (all)", kind)
    for (_, method), entry in stats.entries.items():
        if method == kind:
            total.extend(entry)
    pairs.append((total, snapshot.aggregate(kind)))
for entry, row in pairs:
    theirs, ours = figures(entry, entry.get_response_time_percentile), figures(row, row.percentile)
    if (entry.method, entry.name) != (row.method, row.name) or theirs != ours:
        wrong.append(["row", entry.method, entry.name, theirs, ours])
errors = sorted((e.method, e.name, str(e.error), e.occurrences) for e in stats.errors.values())
if errors != sorted((e.method, e.name, e.message, e.occurrences) for e in snapshot.errors):
    wrong.append(["errors"])
print(json.dumps({"rows": len(pairs), "wrong": wrong[:5]}))
"""


def test_the_figures_are_locusts_own() -> None:
    """`percentile` is Locust's on 5,000 random inputs; a snapshot of real `SplitStats` reads
    every row, the total and the WAIT/CALLBACK aggregates as Locust's own entries do."""
    done = subprocess.run(
        [sys.executable, "-c", LOCUST_SIDE_BY_SIDE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=ROOT,
    )
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == {"rows": 9, "wrong": []}
