"""The one JUnit writer: valid XML whatever text it is given, one failure per case, real counts."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

from loadspec.reports.junit import Case, Failure, Suite, junit_xml, write_junit, xml_safe

EVERY_CHARACTER = "".join(chr(c) for c in range(0x100)) + "\ud800\udfff\ufffe\uffff\U0001f600"


def test_any_character_from_a_server_leaves_the_document_parseable(tmp_path: Path) -> None:
    """Control characters, lone surrogates and non-characters are replaced, the rest kept."""
    case = Case(EVERY_CHARACTER, "c", 1.5, failure=Failure(EVERY_CHARACTER, EVERY_CHARACTER))
    path = tmp_path / "deep" / "junit.xml"
    write_junit(path, Suite("s", [case]))
    root = ElementTree.parse(path).getroot()
    failure = root.find("testsuite/testcase/failure")
    assert failure is not None and failure.text is not None
    assert "\x00" not in failure.text and "\U0001f600" in failure.text and "é" in failure.text
    assert xml_safe("a\x00b\tc\n") == "a\N{REPLACEMENT CHARACTER}b\tc\n"


def test_counts_and_times_come_from_the_cases() -> None:
    """tests/failures/errors/skipped count cases; time is the run's, or the cases' sum."""
    cases = [
        Case("ok", "g", 0.25),
        Case("bad", "g", 0.5, failure=Failure("broke", "details", "check")),
        Case("err", "g", error=Failure("stopped")),
        Case("skip", "g", skipped="left out"),
    ]
    suite = ElementTree.fromstring(junit_xml(Suite("s", cases, properties={"seed": "7"})))
    inner = suite.find("testsuite")
    assert inner is not None
    assert {
        k: inner.get(k) for k in ("tests", "failures", "errors", "skipped", "time", "seed")
    } == {
        "tests": "4",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
        "time": "0.750",
        "seed": "7",
    }
    (bad,) = [c for c in inner.iter("testcase") if c.get("name") == "bad"]
    (failure,) = bad.findall("failure")
    assert failure.get("type") == "check" and failure.text == "details"
    timed = ElementTree.fromstring(junit_xml(Suite("s", cases, seconds=12.0)))
    assert timed.get("time") == "12.000"
