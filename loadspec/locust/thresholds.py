"""Pass/fail criteria for CI runs (`--threshold 'p95<300'`), checked against Locust's stats."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from loadspec.errors import LoadspecError

__all__ = ["METRICS", "Outcome", "Threshold", "evaluate", "parse_threshold"]

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?)\Z")
_FORM = re.compile(
    r"\s*(?:(?P<row>.+?)\s*:\s*)?(?P<metric>[a-z_0-9.]+)\s*(?P<op><=|>=|<|>)\s*"
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|%)?\s*\Z"
)

METRICS = (
    "avg",
    "max",
    "median",
    "pNN (p50, p95, p99.9, ...)",
    "fail_rate",
    "failures",
    "requests",
    "rps",
)


@dataclass(frozen=True, slots=True)
class Threshold:
    """One criterion, e.g. `POST /business/communication/messages:p95<300`.

    Attributes:
        text: as the user wrote it.
        row: the stats row it is about (None: the aggregated row).
        metric: what is measured.
        op: the comparison.
        value: the bound (milliseconds for times, a ratio for fail_rate).
    """

    text: str
    row: str | None
    metric: str
    op: str
    value: float


@dataclass(frozen=True, slots=True)
class Outcome:
    """A threshold checked against a run.

    Attributes:
        threshold: the criterion.
        actual: the measured value (None when its row did not exist).
        passed: whether the criterion held.
    """

    threshold: Threshold
    actual: float | None
    passed: bool

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        actual = "no such row" if self.actual is None else f"{self.actual:g}"
        return f"threshold {self.threshold.text}: {verdict} (actual {actual})"


def parse_threshold(text: str) -> Threshold:
    """`[ROW:]METRIC OP VALUE[ms|s|%]`; a clear `LoadspecError` otherwise."""
    match = _FORM.match(text)
    if match is None:
        raise LoadspecError(
            f"--threshold {text!r} is not [ROW:]METRIC<VALUE (e.g. 'p95<300', "
            "'fail_rate<1%', 'WAIT channel_active:p99<5000')"
        )
    metric = match["metric"]
    if not (
        metric in {"avg", "max", "median", "fail_rate", "failures", "requests", "rps"}
        or _PERCENTILE.match(metric)
    ):
        raise LoadspecError(
            f"--threshold {text!r}: unknown metric {metric!r} (one of {', '.join(METRICS)})"
        )
    value = float(match["value"])
    unit = match["unit"]
    value = value * 1000 if unit == "s" else value / 100 if unit == "%" else value
    return Threshold(text, match["row"], metric, match["op"], value)


def evaluate(thresholds: Iterable[Threshold], stats: Any) -> list[Outcome]:
    """Check every threshold against Locust's `RequestStats`."""
    outcomes = []
    for threshold in thresholds:
        entry = _entry(stats, threshold.row)
        actual = None if entry is None else _measure(entry, threshold.metric)
        passed = actual is not None and _OPERATORS[threshold.op](actual, threshold.value)
        outcomes.append(Outcome(threshold, actual, passed))
    return outcomes


def _entry(stats: Any, row: str | None) -> Any:
    if row is None:
        return stats.total
    for (name, method), entry in stats.entries.items():
        if row in (name, f"{method} {name}"):
            return entry
    return None


def _measure(entry: Any, metric: str) -> float:
    if percentile := _PERCENTILE.match(metric):
        return float(entry.get_response_time_percentile(float(percentile[1]) / 100))
    measures: dict[str, Callable[[Any], float]] = {
        "avg": lambda e: e.avg_response_time,
        "max": lambda e: e.max_response_time,
        "median": lambda e: e.median_response_time,
        "fail_rate": lambda e: e.fail_ratio,
        "failures": lambda e: e.num_failures,
        "requests": lambda e: e.num_requests,
        "rps": lambda e: e.total_rps,
    }
    return float(measures[metric](entry))
