"""A run compared with a previous one (`--baseline last.json --max-regression 20%`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadspec.errors import ConfigError
from loadspec.files import FileRefused, read_regular
from loadspec.rows import RowKind
from loadspec.verdicts.stats import RowStats, percentile

__all__ = [
    "LATENCY_FLOOR_MS",
    "MIN_SAMPLES",
    "RATE_FLOOR",
    "Comparison",
    "compare",
    "load_baseline",
]

LATENCY_FLOOR_MS = 10.0
"""A latency difference smaller than this is noise, whatever its percentage."""
RATE_FLOOR = 0.01
"""A failure-rate difference smaller than one point is noise."""
MIN_SAMPLES = 50
"""Fewer samples than this in either run, and a p95 or p99 rests on a handful of values: such
a row's percentiles are shown, never judged (a wait that each user makes once is one)."""
_PERCENTILES = (("p95", 0.95), ("p99", 0.99))


@dataclass(frozen=True, slots=True)
class Comparison:
    """One metric of one row, then and now.

    Attributes:
        row: the stats row (`GET /platform/v1/clients`, `WAIT channel_active`).
        metric: p95, p99 or fail_rate.
        before: the baseline's value (ms, or a ratio for fail_rate).
        now: this run's value.
        regressed: worse than the limit allows.
        sparse: too few samples to judge (see `MIN_SAMPLES`); never regressed.
    """

    row: str
    metric: str
    before: float
    now: float
    regressed: bool
    sparse: bool = False

    @property
    def change(self) -> str:
        """The relative change, e.g. `+35%` (`new` when the baseline was 0)."""
        if self.before == 0:
            return "+0%" if self.now == 0 else "new"
        return f"{(self.now - self.before) / self.before * 100:+.0f}%"

    def shown(self, value: float) -> str:
        """A value of this metric with its unit."""
        return f"{value * 100:.2f}%" if self.metric == "fail_rate" else f"{value:.0f} ms"

    def __str__(self) -> str:
        verdict = "REGRESSED" if self.regressed else "too few samples" if self.sparse else "ok"
        return (
            f"{self.row} {self.metric}: {self.shown(self.before)} -> {self.shown(self.now)} "
            f"({self.change}) {verdict}"
        )


def load_baseline(path: Path) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The rows of a previous run's --json-file output by (name, method); `ConfigError` if bad."""
    try:
        data = json.loads(read_regular(path).decode("utf-8"))
    except FileRefused as exc:
        raise ConfigError(f"--baseline {path}: not a Locust --json-file output: it {exc}") from None
    except ValueError as exc:
        raise ConfigError(f"--baseline {path}: not a Locust --json-file output ({exc})") from None
    if not isinstance(data, list):
        raise ConfigError(f"--baseline {path}: not a Locust --json-file output (no list of rows)")
    rows: dict[tuple[str, str], Mapping[str, Any]] = {
        (str(r["name"]), str(r["method"])): r
        for r in data
        if isinstance(r, dict) and isinstance(r.get("response_times"), dict) and "name" in r
    }
    if not rows:
        raise ConfigError(f"--baseline {path}: no stats rows in it")
    return rows


def compare(
    baseline: Mapping[tuple[str, str], Mapping[str, Any]], rows: Sequence[RowStats], limit: float
) -> list[Comparison]:
    """Every metric of every row both runs have (callbacks left out: they take no time)."""
    found = []
    for row in rows:
        before = baseline.get((row.name, row.method))
        if before is None or row.method == RowKind.CALLBACK or not row.num_requests:
            continue
        found += _row_comparisons(f"{row.method} {row.name}", before, row, limit)
    return found


def _row_comparisons(
    label: str, before: Mapping[str, Any], row: RowStats, limit: float
) -> list[Comparison]:
    times = {int(float(k)): int(v) for k, v in before["response_times"].items()}
    count = int(before.get("num_requests") or 0)
    if not count:
        return []
    found = []
    sparse = min(count, row.num_requests) < MIN_SAMPLES
    for metric, share in _PERCENTILES:
        then = float(percentile(times, count, share))
        now = float(row.percentile(share))
        worse = not sparse and now > then * (1 + limit) and now - then >= LATENCY_FLOOR_MS
        found.append(Comparison(label, metric, then, now, worse, sparse))
    then = int(before.get("num_failures") or 0) / count
    now = row.fail_ratio
    worse = now > then * (1 + limit) and now - then >= RATE_FLOOR
    found.append(Comparison(label, "fail_rate", then, now, worse))
    return found
