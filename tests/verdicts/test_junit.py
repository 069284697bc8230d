"""The load run's JUnit suite: thresholds, then baseline comparisons, then every stats row."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from loadspec.reports.junit import write_junit
from loadspec.verdicts.baseline import MIN_SAMPLES
from loadspec.verdicts.junit import load_suite
from loadspec.verdicts.stats import RowError
from loadspec.verdicts.thresholds import parse_threshold
from loadspec.verdicts.verdict import Criteria, judge
from tests.verdicts.build import SECONDS, row, run

N = MIN_SAMPLES
STATS = run(
    row("POST", "/echo", [100] * N),
    row("GET", "/secure", [10, 20, 30], failures=2),
    row("WAIT", "channel_active", [1500]),
    errors=[
        RowError("GET", "/secure", "expected 200, got 503", 1),
        RowError("GET", "/secure", "connection reset \x00", 1),
    ],
)


def written(tmp_path: Path, criteria: Criteria) -> ElementTree.Element:
    path = tmp_path / "junit.xml"
    write_junit(path, load_suite(judge(criteria, STATS), STATS))
    suite = ElementTree.parse(path).getroot().find("testsuite")
    assert suite is not None
    return suite


def test_cases_in_report_order(tmp_path: Path) -> None:
    """Thresholds as written, then each compared metric, then rows sorted by name and type."""
    base = tmp_path / "base.json"
    times = {"response_times": {"100": N}, "num_requests": N, "num_failures": 0}
    base.write_text(json.dumps([{"name": "/echo", "method": "POST", **times}]))
    criteria = Criteria((parse_threshold("p95<5s"), parse_threshold("GET /secure:p95<1")), base)
    suite = written(tmp_path, criteria)
    cases = [(c.get("classname"), c.get("name")) for c in suite.iter("testcase")]
    assert cases == [
        ("thresholds", "p95<5s"),
        ("thresholds", "GET /secure:p95<1"),
        ("baseline", "POST /echo p95"),
        ("baseline", "POST /echo p99"),
        ("baseline", "POST /echo fail_rate"),
        ("POST", "POST /echo"),
        ("GET", "GET /secure"),
        ("WAIT", "WAIT channel_active"),
    ]
    assert (suite.get("tests"), suite.get("failures"), suite.get("time")) == ("8", "2", "10.000")


def test_a_breach_and_a_failed_row_say_why(tmp_path: Path) -> None:
    """The breached threshold's message; a failed row's count and every error, XML-safe."""
    suite = written(tmp_path, Criteria((parse_threshold("GET /secure:p95<1"),)))
    failures = {
        c.get("name"): c.find("failure")
        for c in suite.iter("testcase")
        if c.find("failure") is not None
    }
    breach, secure = failures["GET /secure:p95<1"], failures["GET /secure"]
    assert breach is not None and breach.get("message") == (
        "threshold GET /secure:p95<1: breached (measured 30 ms)"
    )
    assert secure is not None and secure.get("message") == "2 of 3 failed"
    assert (
        secure.text == "1 x expected 200, got 503\n1 x connection reset \N{REPLACEMENT CHARACTER}"
    )
    (echo,) = [c for c in suite.iter("testcase") if c.get("name") == "POST /echo"]
    assert echo.find("failure") is None and echo.get("time") == f"{N * 100 / 1000:.3f}"
    assert SECONDS == 10.0
