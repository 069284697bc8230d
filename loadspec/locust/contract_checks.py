"""--validate-responses: sampled responses checked against the specs' contracts during load."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from loadspec.contract.bundle import RefBases
from loadspec.contract.conformance import ResponseChecker, Sampler
from loadspec.contract.locate import resolve_contract_path
from loadspec.contract.lookup import Contract, ContractError, load_contract
from loadspec.files import FileRefused, SpecFiles
from loadspec.inputs.masking import Masker
from loadspec.runtime.calls import Reply
from loadspec.runtime.compiled import CompiledSpec
from loadspec.runtime.engine import ContractCheck as Check

__all__ = ["Check", "contract_checks", "step_checkers"]

_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


def contract_checks(
    specs: Iterable[CompiledSpec],
    root: Path | None,
    rate: float,
    bases: RefBases | None = None,
    files: SpecFiles | None = None,
) -> tuple[dict[Path, dict[str, Check]], list[str], list[str]]:
    """Per spec file, a check for every step whose operation a loaded contract documents.

    A step is looked up in its own spec's contract first, then in the others' (a chain often
    calls another API, e.g. the clients API from a gateway spec). Returns the checks, notes on
    what cannot be checked, and the contracts specs name that cannot be read (a configuration
    problem: the run would go on unchecked).
    """
    sampler = Sampler(rate)
    checkers, notes, unreadable = step_checkers(specs, root, bases, files)
    checks = {
        path: {key: _check(checker, sampler) for key, checker in by_step.items()}
        for path, by_step in checkers.items()
    }
    return checks, notes, unreadable


def step_checkers(
    specs: Iterable[CompiledSpec],
    root: Path | None,
    bases: RefBases | None = None,
    files: SpecFiles | None = None,
) -> tuple[dict[Path, dict[str, ResponseChecker]], list[str], list[str]]:
    """Per spec file, the contract checker of every step (`Step.key`) a loaded contract
    documents; notes on what cannot be checked; the contracts that cannot be read."""
    specs = list(specs)
    bases = bases or RefBases.of(root=root)
    contracts, unreadable = _contracts(specs, root, bases, files)
    notes = [f"{s.spec.path.name}: no swagger: no contract" for s in specs if not s.spec.swagger]
    pool = [c for c in contracts.values() if c is not None]
    checkers: dict[Path, dict[str, ResponseChecker]] = {}
    for compiled in specs:
        own = contracts.get(compiled.spec.path)
        ordered = [own, *[c for c in pool if c is not own]] if own else pool
        checkers[compiled.spec.path] = {}
        for step in (s.step for s in compiled.prerequisites + compiled.test_request):
            if step.method is None or step.path is None:
                continue
            checker = _checker(ordered, step.method.value, step.path, bases)
            if checker is None:
                notes.append(
                    f"{compiled.spec.path.name}: {step.name} is in no loaded contract: "
                    "its responses are not checked"
                )
                continue
            checkers[compiled.spec.path][step.key] = checker
    return checkers, notes, unreadable


def _contracts(
    specs: list[CompiledSpec], root: Path | None, bases: RefBases, files: SpecFiles | None
) -> tuple[dict[Path, Contract | None], list[str]]:
    contracts: dict[Path, Contract | None] = {}
    notes: list[str] = []
    for compiled in specs:
        spec = compiled.spec
        contracts[spec.path] = None
        if not spec.swagger:
            continue
        try:
            found = resolve_contract_path(spec.swagger, spec.path, root, files)
            if found is None:
                notes.append(f"{spec.path}: no contract file found ({spec.swagger})")
                continue
            contracts[spec.path] = load_contract(found, bases)
        except FileRefused as exc:
            notes.append(f"{spec.path}: swagger file {spec.swagger!r} is not read: {exc}")
        except ContractError as exc:
            notes.append(f"{spec.path.name}: {exc}")
    return contracts, notes


def _checker(
    contracts: Sequence[Contract | None], method: str, path: str, bases: RefBases
) -> ResponseChecker | None:
    route = _PLACEHOLDER.sub("{x}", path.split("?", 1)[0])
    for contract in contracts:
        operation = contract.find_operation(method, route) if contract else None
        if operation is not None:
            return ResponseChecker.for_operation(operation, bases)
    return None


def _check(checker: ResponseChecker, sampler: Sampler) -> Check:
    def check(reply: Reply, redact: Masker) -> str | None:
        if not sampler.sample():
            return None
        violation = checker.violation(reply.status, reply.content_type, reply.body, redact)
        # Grouped by rule, not value: one failure row per broken rule, not one per response.
        return None if violation is None else violation.grouping

    return check
