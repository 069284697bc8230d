"""A run's verdict (thresholds, baseline, waits left pending) as every report shows it."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.rows import RowKind
from loadspec.verdicts.baseline import Comparison, compare, load_baseline
from loadspec.verdicts.stats import RowError, RunStats
from loadspec.verdicts.thresholds import Threshold, ThresholdResult, evaluate
from loadspec.verdicts.workers import Membership

__all__ = [
    "PENDING",
    "Criteria",
    "RunVerdict",
    "crashed_iterations",
    "judge",
    "pending_failure",
    "pending_waits",
]

PENDING = "still waiting at the end of the run"
"""How a wait's failure ends when the run stopped before its callback came."""
SHOWN_FAILURES = 10
"""Failure rows the console summary and the HTML section show (the JSON entry: all)."""


@dataclass(frozen=True, slots=True)
class Criteria:
    """What a run is judged by.

    Attributes:
        thresholds: pass criteria (none: any failure fails the run).
        baseline: a previous run's --json-file output to compare with.
        max_regression: how much worse than the baseline a row may be (0.2: 20%).
    """

    thresholds: Sequence[Threshold] = ()
    baseline: Path | None = None
    max_regression: float | None = None


def judge(
    criteria: Criteria,
    stats: RunStats,
    aborted: str | None = None,
    workers: Membership | None = None,
) -> RunVerdict:
    """The verdict over `stats`; `aborted` names the threshold that stopped the run, if one did;
    `workers` says which workers a distributed run lost or gained, and what was left undone."""
    comparisons: list[Comparison] = []
    if criteria.baseline is not None:
        limit = criteria.max_regression if criteria.max_regression is not None else 0.0
        comparisons = compare(load_baseline(criteria.baseline), stats.rows, limit)
    return RunVerdict(
        results=evaluate(criteria.thresholds, stats),
        comparisons=comparisons,
        baseline=criteria.baseline,
        max_regression=criteria.max_regression,
        aborted=aborted,
        failures=stats.failures,
        pending=pending_waits(stats),
        crashes=crashed_iterations(stats),
        failed=sorted(stats.errors, key=lambda e: -e.occurrences),
        workers=workers or Membership(),
    )


def pending_failure(label: str) -> str:
    """The failure of the wait `label` when the run ended before its callback."""
    return f"{label}: {PENDING}"


def pending_waits(stats: RunStats) -> dict[str, int]:
    """Waits the run ended before, by step id, with how many times each."""
    return {
        error.name: error.occurrences
        for error in stats.errors
        if error.method == RowKind.WAIT and error.message.endswith(PENDING)
    }


def crashed_iterations(stats: RunStats) -> dict[str, int]:
    """Iterations that raised, by spec and error: never a pass, whatever the thresholds."""
    found: dict[str, int] = {}
    for error in stats.errors:
        if error.method == RowKind.CRASH:
            key = f"{error.name} ({error.message})"
            found[key] = found.get(key, 0) + error.occurrences
    return found


@dataclass(frozen=True, slots=True)
class RunVerdict:
    """What decided the run's exit code.

    Attributes:
        results: every threshold, checked.
        comparisons: every row's metrics against the baseline (empty without one).
        baseline: the baseline file, if any.
        max_regression: the limit the comparisons were held to.
        aborted: the threshold that stopped the run early, if one did.
        failures: failed requests and waits (what decides without thresholds).
        pending: waits still pending when the run ended, by step id (each one a failure).
        crashes: iterations that raised, by spec and error (the run fails, whatever else).
        failed: every failure row, most frequent first, each with one real example.
        workers: workers joined late or lost (distributed runs); work left undone fails the run.
        regressions: the comparisons that regressed.
    """

    results: Sequence[ThresholdResult] = ()
    comparisons: Sequence[Comparison] = ()
    baseline: Path | None = None
    max_regression: float | None = None
    aborted: str | None = None
    failures: int = 0
    pending: Mapping[str, int] = field(default_factory=dict)
    crashes: Mapping[str, int] = field(default_factory=dict)
    failed: Sequence[RowError] = ()
    workers: Membership = field(default_factory=Membership)
    regressions: Sequence[Comparison] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "regressions", [c for c in self.comparisons if c.regressed])

    @property
    def judged(self) -> bool:
        """Whether thresholds or a baseline decide (otherwise any failure fails the run)."""
        return bool(self.results) or self.baseline is not None

    @property
    def passed(self) -> bool:
        """No iteration crashed, every threshold held, no row regressed (and, with neither,
        nothing failed)."""
        breached = any(not r.passed for r in self.results) or bool(self.regressions)
        if self.crashes or self.workers.failed:
            return False
        return not breached if self.judged else self.failures == 0

    @property
    def reason(self) -> str:
        """One line: why the run passed or failed."""
        breached = [r.threshold.text for r in self.results if not r.passed]
        parts = [f"threshold {t} breached" for t in breached]
        parts += [f"{c.row} {c.metric} regressed {c.change}" for c in self.regressions]
        if self.aborted:
            parts.insert(0, f"aborted by {self.aborted}")
        if not parts and not self.judged and self.failures:
            parts = [f"{self.failures} failures (no thresholds given)"]
        if self.crashes:
            crashed = ", ".join(f"{what} x{count}" for what, count in sorted(self.crashes.items()))
            parts.insert(0, f"iterations crashed: {crashed}")
        if self.workers.failed:
            parts.insert(0, self.workers.reason)
        if self.pending and not self.passed:
            waits = ", ".join(f"{label} x{count}" for label, count in sorted(self.pending.items()))
            parts.append(f"waits still pending at the end of the run: {waits}")
        if parts:
            return "; ".join(parts)
        held = f"all {len(self.results)} thresholds held" if self.results else "no failures"
        return held + ("; no regression" if self.baseline is not None else "")

    def lines(self) -> list[str]:
        """The end-of-run summary block for the console."""
        lines = ["", "loadspec summary", "-" * 16]
        if self.results:
            lines.append("Thresholds:")
            width = max(len(r.threshold.text) for r in self.results)
            for result in self.results:
                mark = "passed" if result.passed else "BREACHED"
                lines.append(f"  {result.threshold.text:<{width}}  {result.measured:>12}  {mark}")
        if self.baseline is not None:
            limit = f"{(self.max_regression or 0) * 100:g}%"
            lines.append(f"Baseline {self.baseline} (max regression {limit}):")
            lines += [f"  {c}" for c in self.comparisons] or ["  no row in common"]
        if self.failed:
            lines.append("Failures (each row's first real message, ids as they were):")
            for error in self.failed[:SHOWN_FAILURES]:
                lines.append(
                    f"  {error.method} {error.name} x{error.occurrences}: {_example(error)}"
                )
            if len(self.failed) > SHOWN_FAILURES:
                lines.append(f"  ... and {len(self.failed) - SHOWN_FAILURES} more failure rows")
        lines += self.workers.lines()
        word = "PASSED" if self.passed else "FAILED"
        lines.append(f"Verdict: {word} ({self.reason})")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The entry added to --json-file output (its `method` marks it as no stats row)."""
        return {
            "name": "loadspec verdict",
            "method": RowKind.VERDICT.value,
            "passed": self.passed,
            "reason": self.reason,
            "thresholds": [_result_json(r) for r in self.results],
            "baseline": None if self.baseline is None else str(self.baseline),
            "max_regression": self.max_regression,
            "comparisons": [_comparison_json(c) for c in self.comparisons],
            "pending_waits": dict(self.pending),
            "crashed_iterations": dict(self.crashes),
            "failures": [_failure_json(e) for e in self.failed],
            "workers": self.workers.as_json(),
        }

    def table_rows(self) -> list[dict[str, str]]:
        """Rows of the web UI's Thresholds tab."""
        rows = [
            {"check": r.threshold.text, "measured": r.measured, "verdict": _word(r.passed)}
            for r in self.results
        ]
        rows += [
            {
                "check": f"{c.row} {c.metric} vs baseline",
                "measured": _compared(c),
                "verdict": "regressed" if c.regressed else "too few samples" if c.sparse else "ok",
            }
            for c in self.comparisons
        ]
        return rows

    def html(self) -> str:
        """A section for Locust's HTML report."""
        word = "PASSED" if self.passed else "FAILED"
        color = "#1b7f3b" if self.passed else "#b3261e"
        cells = "".join(
            f"<tr><td>{html.escape(r['check'])}</td><td>{html.escape(r['measured'])}</td>"
            f"<td>{html.escape(r['verdict'])}</td></tr>"
            for r in self.table_rows()
        )
        table = (
            "<table style='border-collapse:collapse' border='1' cellpadding='4'>"
            f"<tr><th>Check</th><th>Measured</th><th>Verdict</th></tr>{cells}</table>"
            if cells
            else ""
        )
        return (
            "<section id='loadspec-verdict' style='font-family:sans-serif;margin:2em'>"
            "<h2>loadspec thresholds</h2>"
            f"<p style='color:{color};font-weight:bold'>Verdict: {word} "
            f"({html.escape(self.reason)})</p>{table}{self._failures_html()}</section>"
        )

    def _failures_html(self) -> str:
        cells = "".join(
            f"<tr><td>{html.escape(e.method)}</td><td>{html.escape(e.name)}</td>"
            f"<td>{e.occurrences}</td><td>{html.escape(_example(e))}</td></tr>"
            for e in self.failed[:SHOWN_FAILURES]
        )
        if not cells:
            return ""
        return (
            "<h3>Failures: each row's first real message</h3>"
            "<table style='border-collapse:collapse' border='1' cellpadding='4'>"
            f"<tr><th>Type</th><th>Name</th><th>Count</th><th>Example</th></tr>{cells}</table>"
        )

    def in_report(self, report: str) -> str:
        """Locust's HTML report with this verdict's section at the top of its body."""
        head, found, tail = report.partition("<body>")
        if not found:
            return report + self.html()
        return head + found + self.html() + tail


def _example(error: RowError) -> str:
    return error.example or error.message


def _failure_json(error: RowError) -> dict[str, Any]:
    return {
        "method": error.method,
        "name": error.name,
        "message": error.message,
        "occurrences": error.occurrences,
        "example": _example(error),
    }


def _word(passed: bool) -> str:
    return "passed" if passed else "breached"


def _compared(comparison: Comparison) -> str:
    before, now = comparison.shown(comparison.before), comparison.shown(comparison.now)
    return f"{before} -> {now} ({comparison.change})"


def _result_json(result: ThresholdResult) -> dict[str, Any]:
    threshold = result.threshold
    return {
        "threshold": threshold.text,
        "row": threshold.row,
        "metric": threshold.metric,
        "op": threshold.op,
        "bound": threshold.value,
        "measured": result.actual,
        "unit": threshold.unit,
        "passed": result.passed,
        "abort": threshold.abort,
    }


def _comparison_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "row": comparison.row,
        "metric": comparison.metric,
        "baseline": comparison.before,
        "now": comparison.now,
        "change": comparison.change,
        "regressed": comparison.regressed,
        "too_few_samples": comparison.sparse,
    }
