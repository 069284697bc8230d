"""A load run as JUnit test cases: thresholds, baseline comparisons, then one per stats row."""

from __future__ import annotations

from loadspec.reports.junit import Case, Failure, Suite
from loadspec.verdicts.stats import RowStats, RunStats
from loadspec.verdicts.verdict import RunVerdict

__all__ = ["load_suite"]


def load_suite(verdict: RunVerdict, stats: RunStats) -> Suite:
    """The verdict and the run's stats rows as a JUnit suite."""
    cases = [
        Case(r.threshold.text, "thresholds", failure=None if r.passed else Failure(str(r)))
        for r in verdict.results
    ]
    cases += [
        Case(f"{c.row} {c.metric}", "baseline", failure=Failure(str(c)) if c.regressed else None)
        for c in verdict.comparisons
    ]
    cases += [
        Case(event.line(verdict.workers.start), "workers") for event in verdict.workers.events
    ]
    if verdict.workers.failed:
        reason = verdict.workers.reason
        cases.append(Case("every worker lost", "workers", failure=Failure(reason)))
    errors = _errors_by_row(stats)
    for row in sorted(stats.rows, key=lambda r: (r.name, r.method)):
        cases.append(_row_case(row, errors.get((row.name, row.method), [])))
    return Suite("loadspec", cases, seconds=stats.seconds)


def _row_case(row: RowStats, errors: list[str]) -> Case:
    failed = row.num_failures
    message = f"{failed} of {row.num_requests} failed"
    failure = Failure(message, "\n".join(errors)) if failed else None
    return Case(f"{row.method} {row.name}", row.method, row.total_response_time / 1000, failure)


def _errors_by_row(stats: RunStats) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for error in stats.errors:
        found.setdefault((error.name, error.method), []).append(
            f"{error.occurrences} x {error.message}"
        )
    return found
