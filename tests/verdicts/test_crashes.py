"""A crashed iteration fails the run whatever the thresholds, and every report names it."""

from __future__ import annotations

from loadspec.verdicts.stats import RowError
from loadspec.verdicts.thresholds import parse_threshold
from loadspec.verdicts.verdict import Criteria, crashed_iterations, judge
from tests.verdicts.build import row, run

CRASHED = run(
    row("GET", "/ok", [10, 20, 30]),
    row("CRASH", "steady", [0, 0], failures=2),
    errors=[RowError("CRASH", "steady", "RuntimeError: boom", 2)],
)


def test_crashes_are_counted_by_spec_and_error() -> None:
    """One entry per spec and message, with how many iterations crashed so."""
    assert crashed_iterations(CRASHED) == {"steady (RuntimeError: boom)": 2}


def test_thresholds_that_hold_do_not_pass_a_run_that_crashed() -> None:
    """fail_rate<100% holds, yet the run fails, saying why first."""
    verdict = judge(Criteria((parse_threshold("fail_rate<100%"),)), CRASHED)
    assert not verdict.passed
    assert verdict.reason.startswith("iterations crashed: steady (RuntimeError: boom) x2")
    assert verdict.as_json()["crashed_iterations"] == {"steady (RuntimeError: boom)": 2}
    assert "Verdict: FAILED (iterations crashed" in verdict.lines()[-1]
