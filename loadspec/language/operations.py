"""The contract operation behind each step of a run's specs: its row name and its security.

A step is looked up in its own spec's contract first, then in the others' (a chain often
calls another API, e.g. the clients API from a gateway spec). Load runs name rows and choose
credentials from it; `--validate-responses` checks replies against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from loadspec.contract.bundle import RefBases
from loadspec.contract.locate import resolve_contract_path
from loadspec.contract.lookup import Contract, ContractError, Operation, load_contract
from loadspec.files import FileRefused, SpecFiles
from loadspec.language.model import Spec, Step
from loadspec.security import KnownOperation

__all__ = ["SpecOperations", "find_step_operation", "known_operation", "spec_operations"]

_PLACEHOLDER = re.compile(r"\{\{[^}]*\}\}")


@dataclass(frozen=True, slots=True)
class SpecOperations:
    """Each spec's steps' operations, and what could not be looked up.

    Attributes:
        steps: spec file -> `Step.key` -> the operation it calls (steps in no contract left out).
        contracts: spec file -> its own contract (None: it names none, or it cannot be read).
        notes: specs without a contract, contracts not found.
        unreadable: contracts specs name that cannot be read.
    """

    steps: Mapping[Path, Mapping[str, Operation]] = field(default_factory=dict)
    contracts: Mapping[Path, Contract | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    unreadable: tuple[str, ...] = ()

    def known(self, spec: Spec) -> dict[str, KnownOperation]:
        """`Step.key` -> what the runtime needs of its operation (row name, security)."""
        found = self.steps.get(spec.path, {})
        return {
            step.key: known_operation(found[step.key], step)
            for step in (*spec.steps, *spec.unrun)
            if step.key in found
        }


def spec_operations(
    specs: Iterable[Spec],
    root: Path | None,
    bases: RefBases | None = None,
    files: SpecFiles | None = None,
) -> SpecOperations:
    """The operation of every step of `specs` that a loaded contract documents."""
    specs = list(specs)
    bases = bases or RefBases.of(root=root)
    contracts, notes, unreadable = _contracts(specs, root, bases, files)
    pool = [c for c in contracts.values() if c is not None]
    steps: dict[Path, dict[str, Operation]] = {}
    for spec in specs:
        own = contracts.get(spec.path)
        ordered = [own, *[c for c in pool if c is not own]] if own else pool
        found = steps[spec.path] = {}
        for step in (*spec.steps, *spec.unrun):
            operation = find_step_operation(ordered, step)
            if operation is not None:
                found[step.key] = operation
    return SpecOperations(steps, contracts, tuple(notes), tuple(unreadable))


def find_step_operation(contracts: Sequence[Contract | None], step: Step) -> Operation | None:
    """The first of `contracts` that documents the request `step` sends, or None."""
    if step.method is None or step.path is None:
        return None
    route = _PLACEHOLDER.sub("{x}", step.path.split("?", 1)[0])
    for contract in contracts:
        operation = contract.find_operation(step.method.value, route) if contract else None
        if operation is not None:
            return operation
    return None


def known_operation(operation: Operation, step: Step) -> KnownOperation:
    """The row name a step's requests get (the contract's spelling) and their security."""
    name = operation.name_for(step.path or "")
    spellings = (operation.name, f"{operation.method} {operation.path}")
    aliases = tuple(dict.fromkeys(a for a in spellings if a != name))
    carried = operation.base_path if name != operation.name else ""
    return KnownOperation(name, operation.security, aliases, carried)


def _contracts(
    specs: list[Spec], root: Path | None, bases: RefBases, files: SpecFiles | None
) -> tuple[dict[Path, Contract | None], list[str], list[str]]:
    contracts: dict[Path, Contract | None] = {}
    notes: list[str] = []
    unreadable: list[str] = []
    for spec in specs:
        contracts[spec.path] = None
        if not spec.swagger:
            notes.append(f"{spec.path.name}: no swagger: no contract")
            continue
        try:
            found = resolve_contract_path(spec.swagger, spec.path, root, files)
            if found is None:
                unreadable.append(f"{spec.path}: no contract file found ({spec.swagger})")
                continue
            contracts[spec.path] = load_contract(found, bases)
        except FileRefused as exc:
            unreadable.append(f"{spec.path}: swagger file {spec.swagger!r} is not read: {exc}")
        except ContractError as exc:
            unreadable.append(f"{spec.path.name}: {exc}")
    return contracts, notes, unreadable
