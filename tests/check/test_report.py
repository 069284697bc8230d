"""The check's reports agree with each other and with the outcomes: JSON, JUnit, text, HTML."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from loadspec.check.outcome import Reason, SpecCheck, Status, StepCheck
from loadspec.check.report import (
    CheckReport,
    baseline_regressions,
    console_lines,
    html_report,
    json_report,
    junit_suite,
    load_check_baseline,
    markdown_report,
)
from loadspec.contract.conformance import Finding
from loadspec.errors import ConfigError
from loadspec.reports.junit import junit_xml

FAILED_STEP = StepCheck(
    "main_request",
    "test",
    "GET /pets/7",
    200,
    Status.FAIL,
    Reason.TYPE_MISMATCH,
    "main_request: contract at $.id: 'seven' is not of type 'integer'",
    (
        Finding("TYPE_MISMATCH", "$.id", "'seven' is not of type 'integer'"),
        Finding("UNDOCUMENTED_FIELD", "$.colour", "a field the schema does not document", True),
    ),
    3.5,
    "GET /pets/7",
    '{"id": "seven", "colour": "<script>alert(1)</script>"}',
)


def outcome(name: str, status: Status, domain: str = "pets", **kw: object) -> SpecCheck:
    return SpecCheck(f"specs/{domain}/{name}.md", domain, f"GET /{name}", name, status, **kw)  # type: ignore[arg-type]


def report(fail_on: Status = Status.FAIL) -> CheckReport:
    results = [
        outcome("a", Status.PASS),
        outcome("b", Status.WARN, reason=Reason.UNDOCUMENTED_FIELD, message="drift"),
        outcome("c", Status.ERROR, "stores", reason=Reason.ENDPOINT_NOT_FOUND, message="404"),
        outcome("d", Status.FAIL, "stores", reason=Reason.TYPE_MISMATCH,
                message=FAILED_STEP.message, steps=(FAILED_STEP,)),
        outcome("e", Status.SKIP, reason=Reason.DESTRUCTIVE, message="a DELETE"),
    ]  # fmt: skip
    return CheckReport(results, "http://127.0.0.1:9", 1234.0, fail_on)


def test_json_has_the_authors_shape_and_counts_that_match() -> None:
    data = json_report(report())
    summary = data["summary"]
    assert (summary["total"], summary["passed"], summary["warned"]) == (5, 1, 1)
    assert (summary["errored"], summary["failed"], summary["skipped"]) == (1, 1, 1)
    assert summary["passRate"] == "25.0%"
    assert summary["verdict"] == "FAILED"
    assert len(data["results"]) == summary["total"]
    assert data["byDomain"]["pets"] == {
        "total": 3, "passed": 1, "warned": 1, "errored": 0, "failed": 0, "skipped": 1,
    }  # fmt: skip
    failed = next(r for r in data["results"] if r["status"] == "FAIL")
    assert failed["details"]["reason"] == "TYPE_MISMATCH"
    assert failed["details"]["friendlyMessage"]
    assert [f["path"] for f in failed["steps"][0]["findings"]] == ["$.id", "$.colour"]


@pytest.mark.parametrize(
    ("fail_on", "failing"),
    [(Status.FAIL, 1), (Status.ERROR, 2), (Status.WARN, 3)],
)
def test_fail_on_sets_what_fails_the_run_and_the_junit_cases(fail_on: Status, failing: int) -> None:
    checked = report(fail_on)
    assert len(checked.failing) == failing
    root = ElementTree.fromstring(junit_xml(junit_suite(checked)).split("\n", 1)[1])
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 5
    assert len(root.findall("./testsuite/testcase/failure")) == failing
    assert len(root.findall("./testsuite/testcase/skipped")) == 1
    failure = root.find("./testsuite/testcase/failure[@type='TYPE_MISMATCH']")
    assert failure is not None and "$.id" in (failure.text or "")


def test_console_names_each_problem_with_what_was_sent_and_received() -> None:
    text = "\n".join(console_lines(report()))
    assert "FAIL  specs/stores/d.md: TYPE_MISMATCH" in text
    assert "sent:     GET /pets/7" in text
    assert "received: 200" in text
    assert "also: UNDOCUMENTED_FIELD $.colour" in text
    assert "Check FAILED" in text
    assert "1 passed, 1 warned, 1 errored, 1 failed, 1 skipped" in text


def test_html_escapes_what_the_server_sent_and_markdown_lists_every_spec() -> None:
    page = html_report(report())
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    markdown = markdown_report(report())
    assert markdown.count("| `GET /") == 5
    assert "### FAIL `GET /d`" in markdown


def test_a_baseline_names_specs_that_newly_fail(tmp_path: Path) -> None:
    before = {"specs/pets/a.md": "PASS", "specs/stores/d.md": "PASS", "specs/stores/c.md": "FAIL"}
    now = report().results
    assert baseline_regressions(now, before, Status.FAIL) == ("specs/stores/d.md",)
    assert baseline_regressions(now, before, Status.ERROR) == ("specs/stores/d.md",)
    saved = tmp_path / "r.json"
    import json

    saved.write_text(json.dumps(json_report(report())), encoding="utf-8")
    assert load_check_baseline(saved)["specs/stores/d.md"] == "FAIL"
    saved.write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a loadspec check --json report"):
        load_check_baseline(saved)


def test_a_regression_fails_the_run_even_below_fail_on() -> None:
    checked = CheckReport([outcome("a", Status.PASS)], "x", 1.0, Status.FAIL, ("specs/pets/a.md",))
    assert checked.failed
