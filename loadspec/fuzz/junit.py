"""JUnit XML for CI: one test case per operation, failures with their curl reproductions."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

from loadspec.fuzz.plan import shown
from loadspec.fuzz.results import FuzzResult, OperationResult, Outcome

__all__ = ["junit_xml", "write_junit"]

_SUITE = "loadspec fuzz"
# Characters XML 1.0 cannot hold even as references; fuzzed payloads are full of them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def write_junit(result: FuzzResult, path: Path) -> None:
    """Write the run's JUnit XML report to `path` (folders are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(result), encoding="utf-8")


def junit_xml(result: FuzzResult) -> str:
    """The run as a JUnit XML document."""
    cases = [_case(op, shown(c.contract)) for c in result.contracts for op in c.operations]
    cases += [_excluded(shown(e.path), e.endpoint or "?", e.reason) for e in result.excluded]
    cases += [_run_error(shown(c.contract), error) for c in result.contracts for error in c.errors]
    suite = ElementTree.Element("testsuite", _counts(cases, result.seed))
    suite.extend(cases)
    root = ElementTree.Element("testsuites", {k: v for k, v in suite.attrib.items() if k != "name"})
    root.append(suite)
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _counts(cases: list[ElementTree.Element], seed: int) -> dict[str, str]:
    def count(tag: str) -> str:
        return str(sum(1 for case in cases if case.find(tag) is not None))

    return {
        "name": _SUITE,
        "tests": str(len(cases)),
        "failures": count("failure"),
        "errors": count("error"),
        "skipped": count("skipped"),
        "time": f"{sum(float(c.get('time', '0')) for c in cases):.3f}",
        "seed": str(seed),
    }


def _case(op: OperationResult, classname: str) -> ElementTree.Element:
    case = _element("testcase", name=op.target.name, classname=classname, time=f"{op.seconds:.3f}")
    case.set("cases", str(op.cases))
    for finding in op.findings:
        failure = _element("failure", message=finding.title, type=finding.check)
        failure.text = _clean("\n\n".join([finding.message, "Reproduce:", *finding.reproduce]))
        case.append(failure)
    for error in op.errors:
        _element_in(case, "error", error, message=error.splitlines()[0])
    if op.outcome is Outcome.NOT_RUN:
        _element_in(case, "skipped", "", message=op.not_run or "not run")
    return case


def _excluded(spec: str, endpoint: str, reason: str) -> ElementTree.Element:
    case = _element("testcase", name=endpoint, classname=spec, time="0")
    _element_in(case, "skipped", "", message=reason)
    return case


def _run_error(contract: str, text: str) -> ElementTree.Element:
    case = _element("testcase", name="(run)", classname=contract, time="0")
    _element_in(case, "error", text, message=text.splitlines()[0])
    return case


def _element(tag: str, **attributes: str) -> ElementTree.Element:
    return ElementTree.Element(tag, {k: _clean(v) for k, v in attributes.items()})


def _element_in(parent: ElementTree.Element, tag: str, text: str, **attributes: str) -> None:
    element = _element(tag, **attributes)
    element.text = _clean(text) if text else None
    parent.append(element)


def _clean(text: str) -> str:
    return _ILLEGAL.sub("\N{REPLACEMENT CHARACTER}", text)
