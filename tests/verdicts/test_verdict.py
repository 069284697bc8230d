"""The run's verdict: what decides the exit code, and how each report says it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from loadspec.verdicts.baseline import MIN_SAMPLES
from loadspec.verdicts.stats import RowError, RunStats
from loadspec.verdicts.thresholds import parse_threshold
from loadspec.verdicts.verdict import (
    PENDING,
    Criteria,
    RunVerdict,
    judge,
    pending_failure,
    pending_waits,
)
from tests.verdicts.build import row, run

N = MIN_SAMPLES
CLEAN = run(row("GET", "/secure", [10, 20, 30]), row("WAIT", "channel_active", [1500]))
FAILING = run(
    row("GET", "/secure", [10, 20, 30], failures=2),
    row("WAIT", "channel_active", [1500, 5000], failures=1),
    errors=[
        RowError("GET", "/secure", "expected 200, got 503", 2),
        RowError("WAIT", "channel_active", pending_failure("channel_active"), 1),
    ],
)


def thresholds(*texts: str) -> Criteria:
    return Criteria(tuple(parse_threshold(t) for t in texts))


def baseline_file(tmp_path: Path, p95: int) -> Path:
    path = tmp_path / "base.json"
    entry = {"response_times": {str(p95): N}, "num_requests": N, "num_failures": 0}
    path.write_text(json.dumps([{"name": "/secure", "method": "GET", **entry}]))
    return path


@pytest.mark.parametrize(
    ("criteria", "stats", "passed", "reason"),
    [
        (Criteria(), CLEAN, True, "no failures"),
        (
            Criteria(),
            FAILING,
            False,
            "3 failures (no thresholds given); "
            "waits still pending at the end of the run: channel_active x1",
        ),
        (thresholds("p95<5s", "GET /secure:max<1s"), FAILING, True, "all 2 thresholds held"),
        (
            thresholds("requests>100000000", "p95<5s"),
            CLEAN,
            False,
            "threshold requests>100000000 breached",
        ),
        (
            thresholds("fail_rate<5%"),
            FAILING,
            False,
            "threshold fail_rate<5% breached; "
            "waits still pending at the end of the run: channel_active x1",
        ),
    ],
)
def test_thresholds_decide_and_without_them_any_failure_does(
    criteria: Criteria, stats: RunStats, passed: bool, reason: str
) -> None:
    """Thresholds decide when given (failures or not); without, a failure fails the run."""
    verdict = judge(criteria, stats)
    assert (verdict.passed, verdict.reason) == (passed, reason)
    assert verdict.judged is bool(criteria.thresholds)


def test_the_threshold_that_aborted_comes_first() -> None:
    """An abort is named before the breach that caused it."""
    verdict = judge(thresholds("fail_rate<5%:abort"), FAILING, aborted="fail_rate<5%:abort")
    assert verdict.reason.startswith(
        "aborted by fail_rate<5%:abort; threshold fail_rate<5%:abort breached"
    )


def test_pending_waits_are_counted_by_step() -> None:
    """Only a wait's failure that says it was still waiting counts; by step id."""
    errors = [
        RowError("WAIT", "channel_active", pending_failure("channel_active"), 3),
        RowError("WAIT", "session", pending_failure("session"), 1),
        RowError("WAIT", "other", "other: timed out after 5 s", 2),
        RowError("GET", "/x", f"/x: {PENDING}", 1),
    ]
    assert pending_waits(run(errors=errors)) == {"channel_active": 3, "session": 1}
    assert pending_failure("session") == "session: still waiting at the end of the run"


def test_a_baseline_decides_too(tmp_path: Path) -> None:
    """A regressed row fails the run and is named; an unchanged one says no regression."""
    stats = run(row("GET", "/secure", [400] * N))
    regressed = judge(Criteria(baseline=baseline_file(tmp_path, 100), max_regression=0.2), stats)
    assert (regressed.passed, regressed.reason) == (
        False,
        "GET /secure p95 regressed +300%; GET /secure p99 regressed +300%",
    )
    assert [c.metric for c in regressed.regressions] == ["p95", "p99"]
    same = judge(Criteria(baseline=baseline_file(tmp_path, 400)), stats)
    assert (same.passed, same.reason) == (True, "no failures; no regression")
    held = judge(Criteria((parse_threshold("p95<1s"),), baseline_file(tmp_path, 400), 0.2), stats)
    assert held.reason == "all 1 thresholds held; no regression"


def test_the_console_summary(tmp_path: Path) -> None:
    """Every threshold with its measured value and mark, the comparison table, the verdict."""
    criteria = Criteria(
        (parse_threshold("requests>100000000"), parse_threshold("WAIT channel_active:max<60s")),
        baseline_file(tmp_path, 10),
        0.2,
    )
    lines = judge(criteria, run(row("GET", "/secure", [400] * N))).lines()
    assert lines[:4] == ["", "loadspec summary", "-" * 16, "Thresholds:"]
    assert re.fullmatch(r"  requests>100000000 +50  BREACHED", lines[4])
    assert re.fullmatch(r"  WAIT channel_active:max<60s +no data  BREACHED", lines[5])
    assert lines[6] == f"Baseline {criteria.baseline} (max regression 20%):"
    assert lines[7] == "  GET /secure p95: 10 ms -> 400 ms (+3900%) REGRESSED"
    assert lines[-1].startswith("Verdict: FAILED (threshold requests>100000000 breached; ")
    empty = judge(Criteria(baseline=baseline_file(tmp_path, 10)), run()).lines()
    assert (
        "  no row in common" in empty
        and empty[-1] == "Verdict: PASSED (no failures; no regression)"
    )


def test_the_json_entry(tmp_path: Path) -> None:
    """The --json-file entry: marked VERDICT, every threshold and comparison, pending waits."""
    criteria = Criteria((parse_threshold("fail_rate<5%"),), baseline_file(tmp_path, 10), 0.2)
    entry = judge(criteria, FAILING).as_json()
    assert json.loads(json.dumps(entry)) == entry
    assert (entry["name"], entry["method"]) == ("loadspec verdict", "VERDICT")
    assert entry["passed"] is False
    assert entry["thresholds"] == [
        {
            "threshold": "fail_rate<5%",
            "row": None,
            "metric": "fail_rate",
            "op": "<",
            "bound": 0.05,
            "measured": 2 / 3,
            "unit": "%",
            "passed": False,
            "abort": False,
        }
    ]
    assert entry["baseline"] == str(criteria.baseline) and entry["max_regression"] == 0.2
    assert entry["comparisons"][0] == {
        "row": "GET /secure",
        "metric": "p95",
        "baseline": 10.0,
        "now": 30.0,
        "change": "+200%",
        "regressed": False,
        "too_few_samples": True,
    }
    assert entry["pending_waits"] == {"channel_active": 1}


def test_the_web_ui_rows_and_the_html_section(tmp_path: Path) -> None:
    """One row per threshold and per comparison; the HTML section escapes what it shows."""
    criteria = Criteria((parse_threshold("requests>100000000"),), baseline_file(tmp_path, 100))
    verdict = judge(criteria, run(row("GET", "/secure", [400] * N)))
    assert verdict.table_rows()[:2] == [
        {"check": "requests>100000000", "measured": "50", "verdict": "breached"},
        {
            "check": "GET /secure p95 vs baseline",
            "measured": "100 ms -> 400 ms (+300%)",
            "verdict": "regressed",
        },
    ]
    section = verdict.html()
    assert section.startswith("<section id='loadspec-verdict'")
    assert "<td>requests&gt;100000000</td><td>50</td><td>breached</td>" in section
    assert "Verdict: FAILED (threshold requests&gt;100000000 breached;" in section
    assert "#b3261e" in section
    passed = RunVerdict().html()
    assert "Verdict: PASSED (no failures)" in passed and "<table" not in passed


def test_the_html_section_goes_at_the_top_of_the_body() -> None:
    """Inside Locust's report, right after <body>; appended to anything without one."""
    verdict = RunVerdict()
    page = verdict.in_report("<html><body><h1>Locust</h1></body></html>")
    assert page.startswith("<html><body><section id='loadspec-verdict'")
    assert page.endswith("</section><h1>Locust</h1></body></html>")
    assert verdict.in_report("plain") == "plain" + verdict.html()
