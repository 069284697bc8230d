"""Pass/fail criteria for CI runs (`--threshold 'p95<300'`), checked against a run's stats."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from loadspec.errors import ConfigError, did_you_mean
from loadspec.rows import RowKind
from loadspec.verdicts.stats import RowStats, RunStats

__all__ = [
    "AGGREGATES",
    "METRICS",
    "Threshold",
    "ThresholdResult",
    "check_rows",
    "evaluate",
    "parse_threshold",
]

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?)\Z")
_FORM = re.compile(
    r"\s*(?:(?P<row>.+?)\s*:\s*)?(?P<metric>[A-Za-z_0-9.]+)\s*(?P<op><=|>=|<|>)\s*"
    r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|%)?\s*(?::\s*(?P<abort>abort)\s*)?\Z"
)
_TIMES = frozenset({"avg", "max", "min", "median"})
_COUNTS = frozenset({"failures", "requests", "rps"})
_NAMES = (*sorted(_TIMES), "fail_rate", *sorted(_COUNTS), "p50", "p90", "p95", "p99")
METRICS = ("avg", "max", "min", "median", "pNN (p50, p95, p99.9, ...)", *_NAMES[4:8])
AGGREGATES = (RowKind.WAIT.value, RowKind.CALLBACK.value)
"""Row prefixes that name the aggregate of every wait, or of every callback."""


@dataclass(frozen=True, slots=True)
class Threshold:
    """One criterion, e.g. `POST /business/communication/messages:p95<300`.

    Attributes:
        text: as the user wrote it.
        row: the stats row it is about (None: the requests' aggregate; WAIT, CALLBACK:
            the aggregate of those rows).
        metric: what is measured.
        op: the comparison.
        value: the bound (milliseconds for times, a ratio for fail_rate).
        abort: stop the run as soon as the criterion is breached.
    """

    text: str
    row: str | None
    metric: str
    op: str
    value: float
    abort: bool = False

    @property
    def unit(self) -> str:
        """How the measured value reads: ms, %, or nothing for counts."""
        return "%" if self.metric == "fail_rate" else "" if self.metric in _COUNTS else "ms"


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    """A threshold checked against a run.

    Attributes:
        threshold: the criterion.
        actual: the measured value (None when its row has no data).
        passed: whether the criterion held.
    """

    threshold: Threshold
    actual: float | None
    passed: bool

    @property
    def measured(self) -> str:
        """The measured value with its unit ("no data" for a row that saw nothing)."""
        if self.actual is None:
            return "no data"
        if self.threshold.metric == "fail_rate":
            return f"{self.actual * 100:.2f}%"
        unit = self.threshold.unit
        # Never scientific: 11630 requests read as 11630, not 1.163e+04.
        shown = f"{self.actual:.0f}" if abs(self.actual) >= 100 else f"{self.actual:.4g}"
        return shown + (f" {unit}" if unit else "")

    def __str__(self) -> str:
        verdict = "passed" if self.passed else "breached"
        return f"threshold {self.threshold.text}: {verdict} (measured {self.measured})"


def parse_threshold(text: str) -> Threshold:
    """`[ROW:]METRIC OP VALUE[ms|s|%][:abort]`; a clear `ConfigError` otherwise."""
    match = _FORM.match(text)
    if match is None:
        raise ConfigError(
            f"--threshold {text!r} is not [ROW:]METRIC<VALUE (e.g. 'p95<300', "
            "'fail_rate<1%', 'WAIT channel_active:p99<5000', 'fail_rate<5%:abort')"
        )
    metric = match["metric"]
    if not (metric in _NAMES or _PERCENTILE.match(metric)):
        raise ConfigError(f"--threshold {text!r}: unknown metric {metric!r}{_hint(metric)}")
    value = _value(text, metric, float(match["value"]), match["unit"])
    return Threshold(text, match["row"], metric, match["op"], value, bool(match["abort"]))


def _hint(metric: str) -> str:
    if percentile := re.match(r"p(\d{1,2}(?:\.\d+)?)", metric):
        return f": did you mean {percentile[0]!r}?"
    near = did_you_mean(metric, _NAMES, cutoff=0.6)
    return f": did you mean {near!r}?" if near else f" (one of {', '.join(METRICS)})"


def _value(text: str, metric: str, value: float, unit: str | None) -> float:
    if metric == "fail_rate":
        if unit in ("ms", "s") or (unit is None and value >= 1):
            raise ConfigError(
                f"--threshold {text!r}: fail_rate is a share: write it as a percentage "
                f"('fail_rate<{value:g}%') or a ratio below 1 ('fail_rate<0.01')"
            )
        return value / 100 if unit == "%" else value
    if unit == "%" or (unit is not None and metric in _COUNTS):
        raise ConfigError(f"--threshold {text!r}: {metric} takes no unit {unit!r}")
    return value * 1000 if unit == "s" else value


def check_rows(
    thresholds: Iterable[Threshold],
    rows: Collection[str],
    spellings: Mapping[str, str] | None = None,
) -> None:
    """Every threshold's row is one the specs make (or an aggregate); `ConfigError` if not.

    `spellings`: other names of a row (a step's path template, an operation with or without
    its base path) -> its name, which the message then suggests.
    """
    for threshold in thresholds:
        row = threshold.row
        if row is None or row in rows or row in AGGREGATES or row.startswith("CALLBACK "):
            continue
        spelled = (spellings or {}).get(row)
        if spelled is not None:
            raise ConfigError(
                f"--threshold {threshold.text!r}: no such row {row!r}: did you mean {spelled!r}? "
                "(a request's row is named by its contract operation)"
            )
        near = did_you_mean(row, rows, cutoff=0.6)
        named = sorted(r for r in rows if " " in r) or sorted(rows)
        hint = f": did you mean {near!r}?" if near else f" (rows: {', '.join(named)})"
        raise ConfigError(f"--threshold {threshold.text!r}: no such row {row!r}{hint}")


def evaluate(thresholds: Iterable[Threshold], stats: RunStats) -> list[ThresholdResult]:
    """Check every threshold against the run's stats."""
    results = []
    for threshold in thresholds:
        row = _found_row(stats, threshold.row)
        actual = None if row is None else _measure(row, threshold.metric)
        passed = actual is not None and _OPERATORS[threshold.op](actual, threshold.value)
        results.append(ThresholdResult(threshold, actual, passed))
    return results


def _found_row(stats: RunStats, name: str | None) -> RowStats | None:
    if name is None:
        return stats.total
    if name in AGGREGATES:
        return stats.aggregate(name)
    return next((r for r in stats.rows if name in (r.name, f"{r.method} {r.name}")), None)


_MEASURES: dict[str, Callable[[RowStats], float]] = {
    "avg": lambda row: row.avg_response_time,
    "max": lambda row: row.max_response_time,
    "min": lambda row: row.min_response_time or 0,
    "median": lambda row: row.median_response_time,
    "fail_rate": lambda row: row.fail_ratio,
    "rps": lambda row: row.total_rps,
}


def _measure(row: RowStats, metric: str) -> float | None:
    if metric in ("failures", "requests"):
        return float(row.num_failures if metric == "failures" else row.num_requests)
    if not row.num_requests:
        return None
    if percentile := _PERCENTILE.match(metric):
        return float(row.percentile(float(percentile[1]) / 100))
    return float(_MEASURES[metric](row))
