"""A load run as JUnit test cases: thresholds, baseline comparisons, then one per stats row."""

from __future__ import annotations

from typing import Any

from loadspec.locust.verdict import Verdict
from loadspec.reports.junit import Case, Failure, Suite

__all__ = ["load_suite"]


def load_suite(verdict: Verdict, stats: Any) -> Suite:
    """The verdict and Locust's `RequestStats` rows as a JUnit suite."""
    cases = [
        Case(o.threshold.text, "thresholds", failure=None if o.passed else Failure(str(o)))
        for o in verdict.outcomes
    ]
    cases += [
        Case(f"{c.row} {c.metric}", "baseline", failure=Failure(str(c)) if c.regressed else None)
        for c in verdict.comparisons
    ]
    errors = _errors_by_row(stats)
    for (name, method), entry in sorted(stats.entries.items()):
        failed = entry.num_failures
        failure = Failure(
            f"{failed} of {entry.num_requests} failed", "\n".join(errors.get((name, method), []))
        )
        seconds = entry.total_response_time / 1000
        cases.append(Case(f"{method} {name}", method, seconds, failure if failed else None))
    return Suite("loadspec", cases, seconds=_duration(stats))


def _errors_by_row(stats: Any) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for error in stats.errors.values():
        found.setdefault((error.name, error.method), []).append(
            f"{error.occurrences} x {error.error}"
        )
    return found


def _duration(stats: Any) -> float:
    total = stats.total
    end = float(total.last_request_timestamp or total.start_time)
    return max(0.0, end - float(total.start_time))
