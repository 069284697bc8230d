"""Failure rows stay grouped by `<id>`, and every report shows one real example of each."""

from __future__ import annotations

from loadspec.verdicts.stats import RowError
from loadspec.verdicts.verdict import SHOWN_FAILURES, Criteria, judge
from tests.verdicts.build import row, run

GROUPED = 'main_request: expected status 200, got 404: {"error": "no pet <id>"}'
REAL = 'main_request: expected status 200, got 404: {"error": "no pet 9f8e7d6c5b4a"}'
STATS = run(
    row("GET", "/pet/{petId}", [10, 20], failures=2),
    row("POST", "/pet", [10], failures=1),
    errors=[
        RowError("POST", "/pet", "main_request: expected status 200, got 500: oops", 1),
        RowError("GET", "/pet/{petId}", GROUPED, 2, REAL),
    ],
)


def test_the_summary_shows_each_rows_real_example_most_frequent_first() -> None:
    """The console block lists failure rows by count, each with its first real message."""
    lines = judge(Criteria(), STATS).lines()
    start = lines.index("Failures (each row's first real message, ids as they were):")
    assert lines[start + 1] == f"  GET /pet/{{petId}} x2: {REAL}"
    assert lines[start + 2] == "  POST /pet x1: main_request: expected status 200, got 500: oops"
    assert lines[-1].startswith("Verdict: FAILED")


def test_the_json_entry_keeps_the_grouped_message_and_the_example() -> None:
    """--json-file: the row's message as Locust groups it, and the real one beside it."""
    (first, second) = judge(Criteria(), STATS).as_json()["failures"]
    assert first == {
        "method": "GET",
        "name": "/pet/{petId}",
        "message": GROUPED,
        "occurrences": 2,
        "example": REAL,
    }
    assert second["example"] == second["message"]


def test_the_html_section_shows_the_example_escaped() -> None:
    """The HTML report's section has a failures table with the real, escaped message."""
    section = judge(Criteria(), STATS).html()
    assert "no pet 9f8e7d6c5b4a" in section
    assert "&quot;error&quot;" in section and '"error"' not in section


def test_many_failure_rows_are_cut_in_the_summary_not_in_the_json() -> None:
    """The console shows the most frequent rows and says how many more there are."""
    errors = [RowError("GET", f"/r{n}", "boom", n + 1) for n in range(SHOWN_FAILURES + 3)]
    verdict = judge(Criteria(), run(errors=errors))
    assert "  ... and 3 more failure rows" in verdict.lines()
    assert len(verdict.as_json()["failures"]) == SHOWN_FAILURES + 3
