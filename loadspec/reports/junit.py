"""The one JUnit XML writer: load thresholds and stats rows, fuzzed operations.

Any text may come from a server (a body excerpt, a fuzzed payload echoed back), so every
attribute and text node is made XML-safe: characters XML 1.0 cannot hold, even as references,
become U+FFFD. Nothing a server sends can make a report unparseable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

__all__ = ["Case", "Failure", "Suite", "junit_xml", "write_junit", "xml_safe"]

# Control characters but tab, LF and CR; lone surrogates; the two non-characters.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` with every character XML 1.0 cannot hold replaced by U+FFFD."""
    return _ILLEGAL.sub("\N{REPLACEMENT CHARACTER}", text)


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a test case failed (or errored).

    Attributes:
        message: one line, shown by CI next to the case.
        text: the details: every error, curl reproductions.
        kind: the failure's type (a check's name), if any.
    """

    message: str
    text: str = ""
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """One test case.

    Attributes:
        name: what was tested (a threshold, a stats row, an operation).
        classname: the group it belongs to (thresholds, a method, a contract file).
        seconds: the time it took.
        failure: why it failed, if it did (at most one per case).
        error: why it could not be judged, if so.
        skipped: why it was not run, if it was not.
        properties: extra attributes (e.g. how many cases were generated).
    """

    name: str
    classname: str
    seconds: float = 0.0
    failure: Failure | None = None
    error: Failure | None = None
    skipped: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suite:
    """A run's test cases.

    Attributes:
        name: the suite's name (`loadspec`, `loadspec fuzz`).
        cases: its test cases, in report order.
        seconds: the run's wall time (None: the sum of the cases' times).
        properties: extra attributes (e.g. the fuzzing seed).
    """

    name: str
    cases: Sequence[Case]
    seconds: float | None = None
    properties: Mapping[str, str] = field(default_factory=dict)


def write_junit(path: Path, suite: Suite) -> None:
    """Write `suite` as JUnit XML to `path` (folders are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(suite), encoding="utf-8")


def junit_xml(suite: Suite) -> str:
    """`suite` as a JUnit XML document: `<testsuites>` holding one `<testsuite>`."""
    element = _element("testsuite", name=suite.name, **_counts(suite), **suite.properties)
    element.extend(_case(case) for case in suite.cases)
    root = _element("testsuites", **{k: v for k, v in element.attrib.items() if k != "name"})
    root.append(element)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _counts(suite: Suite) -> dict[str, str]:
    seconds = suite.seconds if suite.seconds is not None else sum(c.seconds for c in suite.cases)
    return {
        "tests": str(len(suite.cases)),
        "failures": str(sum(1 for c in suite.cases if c.failure is not None)),
        "errors": str(sum(1 for c in suite.cases if c.error is not None)),
        "skipped": str(sum(1 for c in suite.cases if c.skipped is not None)),
        "time": f"{seconds:.3f}",
    }


def _case(case: Case) -> ElementTree.Element:
    attributes = {"name": case.name, "classname": case.classname, "time": f"{case.seconds:.3f}"}
    element = _element("testcase", **attributes, **case.properties)
    for tag, failure in (("failure", case.failure), ("error", case.error)):
        if failure is not None:
            kind = {"type": failure.kind} if failure.kind else {}
            _child(element, tag, failure.text, message=failure.message, **kind)
    if case.skipped is not None:
        _child(element, "skipped", "", message=case.skipped)
    return element


def _element(tag: str, **attributes: str) -> ElementTree.Element:
    return ElementTree.Element(tag, {k: xml_safe(v) for k, v in attributes.items()})


def _child(parent: ElementTree.Element, tag: str, text: str, **attributes: str) -> None:
    element = _element(tag, **attributes)
    element.text = xml_safe(text) if text else None
    parent.append(element)
