"""A run's verdict (thresholds, baseline, waits left pending) as every report shows it."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.locust.baseline import Comparison
from loadspec.locust.thresholds import Outcome
from loadspec.rows import RowKind

__all__ = ["Verdict"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What decided the run's exit code.

    Attributes:
        outcomes: every threshold, checked.
        comparisons: every row's metrics against the baseline (empty without one).
        baseline: the baseline file, if any.
        max_regression: the limit the comparisons were held to.
        aborted: the threshold that stopped the run early, if one did.
        failures: failed requests and waits (what decides without thresholds).
        pending: waits still pending when the run ended, by step id (each one a failure).
    """

    outcomes: Sequence[Outcome] = ()
    comparisons: Sequence[Comparison] = ()
    baseline: Path | None = None
    max_regression: float | None = None
    aborted: str | None = None
    failures: int = 0
    pending: Mapping[str, int] = field(default_factory=dict)
    regressions: Sequence[Comparison] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "regressions", [c for c in self.comparisons if c.regressed])

    @property
    def judged(self) -> bool:
        """Whether thresholds or a baseline decide (otherwise any failure fails the run)."""
        return bool(self.outcomes) or self.baseline is not None

    @property
    def passed(self) -> bool:
        """Every threshold held, no row regressed (and, with neither, nothing failed)."""
        breached = any(not o.passed for o in self.outcomes) or bool(self.regressions)
        return not breached if self.judged else self.failures == 0

    @property
    def reason(self) -> str:
        """One line: why the run passed or failed."""
        breached = [o.threshold.text for o in self.outcomes if not o.passed]
        parts = [f"threshold {t} breached" for t in breached]
        parts += [f"{c.row} {c.metric} regressed {c.change}" for c in self.regressions]
        if self.aborted:
            parts.insert(0, f"aborted by {self.aborted}")
        if not parts and not self.judged and self.failures:
            parts = [f"{self.failures} failures (no thresholds given)"]
        if self.pending and not self.passed:
            waits = ", ".join(f"{label} x{count}" for label, count in sorted(self.pending.items()))
            parts.append(f"waits still pending at the end of the run: {waits}")
        if parts:
            return "; ".join(parts)
        held = f"all {len(self.outcomes)} thresholds held" if self.outcomes else "no failures"
        return held + ("; no regression" if self.baseline is not None else "")

    def lines(self) -> list[str]:
        """The end-of-run summary block for the console."""
        lines = ["", "loadspec summary", "-" * 16]
        if self.outcomes:
            lines.append("Thresholds:")
            width = max(len(o.threshold.text) for o in self.outcomes)
            for outcome in self.outcomes:
                mark = "passed" if outcome.passed else "BREACHED"
                lines.append(f"  {outcome.threshold.text:<{width}}  {outcome.measured:>12}  {mark}")
        if self.baseline is not None:
            limit = f"{(self.max_regression or 0) * 100:g}%"
            lines.append(f"Baseline {self.baseline} (max regression {limit}):")
            lines += [f"  {c}" for c in self.comparisons] or ["  no row in common"]
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
            "thresholds": [_outcome_json(o) for o in self.outcomes],
            "baseline": None if self.baseline is None else str(self.baseline),
            "max_regression": self.max_regression,
            "comparisons": [_comparison_json(c) for c in self.comparisons],
            "pending_waits": dict(self.pending),
        }

    def table_rows(self) -> list[dict[str, str]]:
        """Rows of the web UI's Thresholds tab."""
        rows = [
            {"check": o.threshold.text, "measured": o.measured, "verdict": _word(o.passed)}
            for o in self.outcomes
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
            f"({html.escape(self.reason)})</p>{table}</section>"
        )


def _word(passed: bool) -> str:
    return "passed" if passed else "breached"


def _compared(comparison: Comparison) -> str:
    before, now = comparison.shown(comparison.before), comparison.shown(comparison.now)
    return f"{before} -> {now} ({comparison.change})"


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    threshold = outcome.threshold
    return {
        "threshold": threshold.text,
        "row": threshold.row,
        "metric": threshold.metric,
        "op": threshold.op,
        "bound": threshold.value,
        "measured": outcome.actual,
        "unit": threshold.unit,
        "passed": outcome.passed,
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
