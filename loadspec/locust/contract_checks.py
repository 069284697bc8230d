"""--validate-responses: sampled responses checked against the specs' contracts during load."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from loadspec.contract.bundle import RefBases
from loadspec.contract.conformance import ResponseChecker, Sampler
from loadspec.inputs.masking import Masker
from loadspec.language.operations import SpecOperations
from loadspec.runtime.calls import Reply
from loadspec.runtime.compiled import CompiledSpec
from loadspec.runtime.engine import ContractCheck as Check

__all__ = ["Check", "contract_checks"]


def contract_checks(
    specs: Iterable[CompiledSpec], operations: SpecOperations, rate: float, bases: RefBases
) -> tuple[dict[Path, dict[str, Check]], list[str], list[str]]:
    """Per spec file, a check for every step whose operation a loaded contract documents.

    Returns the checks, notes on what cannot be checked, and the contracts specs name that
    cannot be read (a configuration problem: the run would go on unchecked).
    """
    sampler = Sampler(rate)
    notes = list(operations.notes)
    checks: dict[Path, dict[str, Check]] = {}
    for compiled in specs:
        path = compiled.spec.path
        found = operations.steps.get(path, {})
        checks[path] = {}
        for step in (s.step for s in compiled.prerequisites + compiled.test_request):
            if step.method is None or step.path is None:
                continue
            operation = found.get(step.key)
            if operation is None:
                notes.append(
                    f"{path.name}: {step.name} is in no loaded contract: "
                    "its responses are not checked"
                )
                continue
            checker = ResponseChecker.for_operation(operation, bases)
            checks[path][step.key] = _check(checker, sampler)
    return checks, notes, list(operations.unreadable)


def _check(checker: ResponseChecker, sampler: Sampler) -> Check:
    def check(reply: Reply, redact: Masker) -> str | None:
        if not sampler.sample():
            return None
        violation = checker.violation(reply.status, reply.content_type, reply.body, redact)
        # Grouped by rule, not value: one failure row per broken rule, not one per response.
        return None if violation is None else violation.grouping

    return check
