"""Baselines: a row is compared with a previous run's, and only a real regression fails it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loadspec.errors import ConfigError
from loadspec.verdicts.baseline import (
    LATENCY_FLOOR_MS,
    MIN_SAMPLES,
    RATE_FLOOR,
    Comparison,
    compare,
    load_baseline,
)
from tests.verdicts.build import row

N = MIN_SAMPLES


def before(times: dict[str, int], failures: int = 0) -> dict[str, Any]:
    """A row of Locust's --json-file output (its response-time keys are strings)."""
    return {"response_times": times, "num_requests": sum(times.values()), "num_failures": failures}


def by_metric(found: list[Comparison]) -> dict[tuple[str, str], Comparison]:
    return {(c.row, c.metric): c for c in found}


def test_slower_by_more_than_the_limit_and_the_floor_regresses() -> None:
    """p95 100 -> 200 ms at a 20% limit: regressed, +100%; the failure rate unchanged is ok."""
    baseline = {("/a", "GET"): before({"100": N})}
    found = by_metric(compare(baseline, [row("GET", "/a", [200] * N)], 0.2))
    p95 = found[("GET /a", "p95")]
    assert (p95.before, p95.now, p95.regressed, p95.change) == (100.0, 200.0, True, "+100%")
    assert str(p95) == "GET /a p95: 100 ms -> 200 ms (+100%) REGRESSED"
    rate = found[("GET /a", "fail_rate")]
    assert not rate.regressed
    assert str(rate) == "GET /a fail_rate: 0.00% -> 0.00% (+0%) ok"


def test_a_small_difference_is_noise_whatever_its_percentage() -> None:
    """2 -> 11 ms is +450%, yet under the latency floor: never a regression."""
    baseline = {("/a", "GET"): before({"2": N})}
    now = 2 + LATENCY_FLOOR_MS - 1
    found = by_metric(compare(baseline, [row("GET", "/a", [now] * N)], 0.2))
    assert found[("GET /a", "p95")].change == "+450%"
    assert not found[("GET /a", "p95")].regressed
    at_floor = by_metric(compare(baseline, [row("GET", "/a", [12] * N)], 0.2))
    assert at_floor[("GET /a", "p95")].regressed


def test_within_the_limit_is_ok() -> None:
    """+15% at a 20% limit: ok."""
    baseline = {("/a", "GET"): before({"200": N})}
    found = by_metric(compare(baseline, [row("GET", "/a", [230] * N)], 0.2))
    assert [c.regressed for c in found.values()] == [False, False, False]


def test_failure_rate_regresses_by_limit_and_one_point() -> None:
    """0.5% -> 1.2% is under a point: ok; 1% -> 3%: regressed; from 0 it is `new`."""
    baseline = {("/a", "GET"): before({"10": 1000}, failures=5)}
    small = by_metric(compare(baseline, [row("GET", "/a", [10] * 1000, failures=12)], 0.2))
    assert not small[("GET /a", "fail_rate")].regressed
    assert RATE_FLOOR == 0.01
    baseline = {("/a", "GET"): before({"10": 1000}, failures=10)}
    worse = by_metric(compare(baseline, [row("GET", "/a", [10] * 1000, failures=30)], 0.2))
    assert str(worse[("GET /a", "fail_rate")]) == (
        "GET /a fail_rate: 1.00% -> 3.00% (+200%) REGRESSED"
    )
    baseline = {("/a", "GET"): before({"10": 100})}
    new = by_metric(compare(baseline, [row("GET", "/a", [10] * 100, failures=50)], 0.2))
    rate = new[("GET /a", "fail_rate")]
    assert (rate.change, rate.regressed) == ("new", True)


def test_a_baseline_never_judges_percentiles_of_a_handful_of_samples() -> None:
    """A wait each user makes once has too few samples: its p95 is shown, never a regression."""
    baseline = {
        ("channel_active", "WAIT"): before({"100": 4}),
        ("/messages", "POST"): before({"100": N}),
    }
    rows = [row("WAIT", "channel_active", [900] * 4), row("POST", "/messages", [900] * N)]
    found = by_metric(compare(baseline, rows, 0.2))
    wait = found[("WAIT channel_active", "p95")]
    assert (wait.sparse, wait.regressed) == (True, False)
    assert str(wait).endswith("(+800%) too few samples")
    messages = found[("POST /messages", "p95")]
    assert (messages.sparse, messages.regressed) == (False, True)
    # Few samples now, many before: as sparse.
    baseline = {("/a", "GET"): before({"100": N})}
    assert all(c.sparse for c in compare(baseline, [row("GET", "/a", [900] * 3)], 0.2)[:2])


def test_rows_left_out() -> None:
    """Callbacks (no time), rows new in this run, rows without a sample now or then."""
    baseline = {
        ("message.sent", "CALLBACK"): before({"0": N}),
        ("/idle", "GET"): before({"10": N}),
        ("/empty", "GET"): before({}),
    }
    rows = [
        row("CALLBACK", "message.sent", [0] * N),
        row("GET", "/idle"),
        row("GET", "/empty", [10]),
        row("GET", "/fresh", [10]),
    ]
    assert compare(baseline, rows, 0.2) == []


def test_an_unchanged_baseline_is_zero_change() -> None:
    """0 then and 0 now reads +0%."""
    assert Comparison("GET /a", "p95", 0.0, 0.0, False).change == "+0%"
    assert Comparison("GET /a", "p95", 0.0, 5.0, False).change == "new"


def test_load_baseline_reads_locusts_json_rows(tmp_path: Path) -> None:
    """Rows by (name, method); the verdict entry and anything without response times skipped."""
    path = tmp_path / "base.json"
    rows = [
        {"name": "/a", "method": "GET", **before({"10": 3})},
        {"name": "loadspec verdict", "method": "VERDICT", "passed": True},
        "not a row",
    ]
    path.write_text(json.dumps(rows))
    assert list(load_baseline(path)) == [("/a", "GET")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not a Locust --json-file output ("),
        ('{"name": "/a"}', "not a Locust --json-file output (no list of rows)"),
        ('[{"name": "loadspec verdict", "method": "VERDICT"}]', "no stats rows in it"),
    ],
)
def test_a_bad_baseline_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    """Not JSON, not a list, no stats row: one line naming the file."""
    path = tmp_path / "base.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"--baseline {path}: ") as raised:
        load_baseline(path)
    assert message in str(raised.value)
    with pytest.raises(ConfigError, match="not a Locust --json-file output"):
        load_baseline(tmp_path / "missing.json")
