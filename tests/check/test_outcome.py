"""The rules that turn a reply into PASS, WARN, ERROR or FAIL, with a reason code."""

from __future__ import annotations

import pytest

from loadspec.check.outcome import Reason, Status, judge_reply, worst
from loadspec.contract.conformance import Finding

BREAK = Finding("MISSING_REQUIRED_FIELD", "$.data", "'uid' is a required property")
DRIFT = Finding("UNDOCUMENTED_FIELD", "$.data.colour", "a field the schema does not document", True)
UNDOCUMENTED = Finding("UNDOCUMENTED_STATUS", "", "status 418 is not documented", True)


@pytest.mark.parametrize(
    ("status", "expected", "code", "findings", "outcome", "reason"),
    [
        (201, (201,), None, [], Status.PASS, None),
        (201, (201,), None, None, Status.PASS, None),  # no contract: the spec's own checks only
        (201, (201,), None, [DRIFT], Status.WARN, Reason.UNDOCUMENTED_FIELD),
        (200, (200,), None, [UNDOCUMENTED], Status.WARN, Reason.UNDOCUMENTED_STATUS),
        (201, (201,), None, [DRIFT, BREAK], Status.FAIL, Reason.MISSING_REQUIRED_FIELD),
        # The contract's break is the cause; the extract that missed is its symptom.
        (201, (201,), "EXTRACT_MISSED", [BREAK], Status.FAIL, Reason.MISSING_REQUIRED_FIELD),
        (201, (201,), "EXTRACT_MISSED", [], Status.FAIL, Reason.EXTRACT_MISSED),
        (200, (201,), "UNEXPECTED_STATUS_CODE", [], Status.FAIL, Reason.UNEXPECTED_STATUS_CODE),
        (404, (200,), "UNEXPECTED_STATUS_CODE", [], Status.ERROR, Reason.ENDPOINT_NOT_FOUND),
        (
            404,
            (200,),
            "UNEXPECTED_STATUS_CODE",
            [UNDOCUMENTED],
            Status.FAIL,
            Reason.ENDPOINT_NOT_FOUND,
        ),
        (404, (200,), "UNEXPECTED_STATUS_CODE", None, Status.FAIL, Reason.ENDPOINT_NOT_FOUND),
        (401, (200,), "UNEXPECTED_STATUS_CODE", [UNDOCUMENTED], Status.FAIL, Reason.AUTH_FAILED),
        (429, (200,), "UNEXPECTED_STATUS_CODE", [UNDOCUMENTED], Status.FAIL, Reason.RATE_LIMITED),
        (503, (200,), "UNEXPECTED_STATUS_CODE", [UNDOCUMENTED], Status.FAIL, Reason.SERVER_ERROR),
        (500, (200,), "UNEXPECTED_STATUS_CODE", [], Status.ERROR, Reason.SERVER_ERROR),
        (404, (404,), None, [], Status.PASS, None),  # a spec that expects the error passes
        (0, (200,), "TIMEOUT", None, Status.FAIL, Reason.TIMEOUT),
        (0, (200,), "NETWORK_ERROR", None, Status.FAIL, Reason.NETWORK_ERROR),
        (0, (200,), None, None, Status.FAIL, Reason.NETWORK_ERROR),
    ],
)
def test_a_reply_is_judged_by_status_engine_and_contract(  # noqa: PLR0917 (pytest's parameters)
    status: int,
    expected: tuple[int, ...],
    code: str | None,
    findings: list[Finding] | None,
    outcome: Status,
    reason: Reason | None,
) -> None:
    assert judge_reply(status, expected, code, findings) == (outcome, reason)


def test_an_unknown_engine_code_is_still_a_failure() -> None:
    assert judge_reply(200, (200,), "SOMETHING_NEW", []) == (Status.FAIL, Reason.SCHEMA_MISMATCH)


def test_the_worst_status_decides_and_skip_is_no_worse_than_pass() -> None:
    assert worst([]) is Status.PASS
    assert worst([Status.PASS, Status.WARN, Status.ERROR]) is Status.ERROR
    assert worst([Status.WARN, Status.FAIL, Status.PASS]) is Status.FAIL
    assert Status.SKIP.rank == Status.PASS.rank


def test_every_reason_has_a_friendly_sentence() -> None:
    assert all(reason.friendly.endswith(".") for reason in Reason)


def test_docs_list_every_reason_code() -> None:
    from tests.conftest import ROOT

    page = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    assert all(f"| `{reason.value}` |" in page for reason in Reason)
