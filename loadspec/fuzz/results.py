"""What a fuzz run found: per operation, the cases sent and each distinct failure."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from loadspec.fuzz.plan import Excluded, FuzzPlan, FuzzTarget

__all__ = ["ContractResult", "Finding", "FuzzResult", "OperationResult", "Outcome"]


class Outcome(enum.StrEnum):
    """How one operation came out of the run."""

    PASSED = "passed"
    FAILED = "failed"
    ERRORED = "errored"
    NOT_RUN = "not run"


@dataclass(frozen=True, slots=True)
class Finding:
    """One distinct check failure, with the requests that reproduce it.

    Attributes:
        check: the schemathesis check that failed (e.g. `response_schema_conformance`).
        code: schemathesis' stable failure code (e.g. `ST101`).
        title: one line saying what failed.
        message: the details (the schema error, the response excerpt), secrets redacted.
        reproduce: curl commands to replay, oldest first, secrets redacted.
        status: the response's status code, when there was a response.
    """

    check: str
    code: str
    title: str
    message: str
    reproduce: tuple[str, ...]
    status: int | None = None


@dataclass(frozen=True, slots=True)
class OperationResult:
    """One operation's outcome.

    Attributes:
        target: the operation and the specs that named it.
        cases: requests sent for it (all phases).
        findings: its distinct failures.
        errors: problems that stopped some of its tests (e.g. data that cannot be generated).
        not_run: why schemathesis could not test it at all, when it could not.
        seconds: the time its responses took, summed.
    """

    target: FuzzTarget
    cases: int = 0
    findings: tuple[Finding, ...] = ()
    errors: tuple[str, ...] = ()
    not_run: str | None = None
    seconds: float = 0.0

    @property
    def outcome(self) -> Outcome:
        if self.not_run is not None:
            return Outcome.NOT_RUN
        if self.findings:
            return Outcome.FAILED
        return Outcome.ERRORED if self.errors else Outcome.PASSED


@dataclass(frozen=True, slots=True)
class ContractResult:
    """The run of one contract file.

    Attributes:
        contract: the file.
        base_url: where its requests went.
        operations: per target, in plan order.
        errors: problems of the run as a whole (not of one operation).
        notes: what was adjusted to load the contract (e.g. a missing version key).
        seconds: how long it took.
    """

    contract: Path
    base_url: str
    operations: tuple[OperationResult, ...]
    errors: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class FuzzResult:
    """A whole run.

    Attributes:
        plan: what was asked for.
        contracts: per contract file.
        seed: the seed that reproduces the run.
    """

    plan: FuzzPlan
    contracts: tuple[ContractResult, ...]
    seed: int

    @property
    def operations(self) -> tuple[OperationResult, ...]:
        return tuple(op for c in self.contracts for op in c.operations)

    @property
    def excluded(self) -> tuple[Excluded, ...]:
        return self.plan.excluded

    @property
    def failed(self) -> bool:
        """Whether anything failed, errored or could not run: the run does not vouch for it."""
        return any(op.outcome is not Outcome.PASSED for op in self.operations) or any(
            c.errors for c in self.contracts
        )
