"""A fuzz run as JUnit test cases: one per operation, its findings with their curl reproductions."""

from __future__ import annotations

from loadspec.fuzz.plan import shown
from loadspec.fuzz.results import Finding, FuzzResult, OperationResult, Outcome
from loadspec.reports.junit import Case, Failure, Suite

__all__ = ["fuzz_suite"]

_SUITE = "loadspec fuzz"


def fuzz_suite(result: FuzzResult) -> Suite:
    """The run as a JUnit suite (write it with `loadspec.reports.junit.write_junit`)."""
    cases = [_case(op, shown(c.contract)) for c in result.contracts for op in c.operations]
    cases += [Case(e.endpoint or "?", shown(e.path), skipped=e.reason) for e in result.excluded]
    cases += [
        Case("(run)", shown(c.contract), error=Failure(text.splitlines()[0], text))
        for c in result.contracts
        for text in c.errors
    ]
    return Suite(_SUITE, cases, properties={"seed": str(result.seed)})


def _case(op: OperationResult, classname: str) -> Case:
    errors = "\n\n".join(op.errors)
    return Case(
        op.target.name,
        classname,
        op.seconds,
        failure=_failure(op.findings) if op.findings else None,
        error=Failure(errors.splitlines()[0], errors) if op.errors else None,
        skipped=(op.not_run or "not run") if op.outcome is Outcome.NOT_RUN else None,
        properties={"cases": str(op.cases)},
    )


def _failure(findings: tuple[Finding, ...]) -> Failure:
    first = findings[0]
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    text = "\n\n".join(
        "\n\n".join([f.title, f.message, "Reproduce:", *f.reproduce]) for f in findings
    )
    return Failure(first.title + more, text, first.check)
