"""Which specs `loadspec check` runs, in what order, and why each other one does not.

    plan = plan_check(load_specs(paths), Selection(domains=("communication",)), known)

Selection (`--domain`, `--method`, `--tags`) leaves specs out of the report altogether; a
selected spec that does not run is a SKIP with its reason (status, deprecated, a DELETE
without `--include-delete`, a run variable or credential nobody gave), and one that cannot
be read is a FAIL (`INVALID_SPEC`) naming its first error. No request is sent here: `--dry-run`
prints this plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from loadspec.check.outcome import Reason, SpecCheck, Status, StepCheck
from loadspec.contract.bundle import RefBases
from loadspec.files import SpecFiles
from loadspec.language import SpecResult
from loadspec.language.model import HttpMethod, Spec
from loadspec.language.model import Status as SpecStatus
from loadspec.language.names import needed_variables
from loadspec.language.operations import SpecOperations, spec_operations
from loadspec.runtime.compiled import CompiledSpec, compile_spec

__all__ = [
    "CheckPlan",
    "Compiled",
    "PlannedSpec",
    "Selection",
    "compile_specs",
    "domain_of",
    "plan_check",
    "verdict_of",
]

MissingCredential = Callable[[Spec], "str | None"]
"""Why a spec cannot send a credential it needs (which variable to set), or None."""


@dataclass(frozen=True, slots=True)
class Selection:
    """What `--domain`, `--method`, `--tags`, `--include-skipped` and `--include-delete` say."""

    domains: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    include_skipped: bool = False
    include_delete: bool = False

    def chooses(self, spec: Spec) -> bool:
        """Whether the filters keep `spec` (no filter keeps everything)."""
        if self.domains and domain_of(spec).lower() not in {d.lower() for d in self.domains}:
            return False
        if self.methods and spec.endpoint.method.value not in self.methods:
            return False
        wanted = {t.lower() for t in self.tags}
        return not wanted or bool(wanted & {t.lower() for t in spec.tags})


@dataclass(frozen=True, slots=True)
class PlannedSpec:
    """One selected spec: it runs (`verdict` None), or its verdict is already known."""

    result: SpecResult
    verdict: SpecCheck | None = None

    @property
    def spec(self) -> Spec:
        """The spec (planned specs that run always have one)."""
        assert self.result.spec is not None
        return self.result.spec

    @property
    def runs(self) -> bool:
        """Whether the check sends its requests."""
        return self.verdict is None


@dataclass(frozen=True, slots=True)
class CheckPlan:
    """Every selected spec in the order it is checked, and what was left out."""

    specs: tuple[PlannedSpec, ...] = ()
    not_selected: int = 0
    not_specs: tuple[tuple[Path, str], ...] = field(default_factory=tuple)

    @property
    def to_run(self) -> tuple[PlannedSpec, ...]:
        """The specs whose requests are sent."""
        return tuple(p for p in self.specs if p.runs)


@dataclass(frozen=True, slots=True)
class Compiled:
    """The readable specs compiled with their contracts' operations (rows, credentials).

    Attributes:
        specs: spec file -> its compiled steps.
        operations: each step's contract operation, for sending and for judging replies.
    """

    specs: Mapping[Path, CompiledSpec]
    operations: SpecOperations


def compile_specs(
    results: Iterable[SpecResult], root: Path | None, bases: RefBases, files: SpecFiles
) -> Compiled:
    """Every spec that reads without errors, compiled as a load run compiles it."""
    specs = [r.spec for r in results if r.spec is not None and not r.errors]
    operations = spec_operations(specs, root, bases, files)
    return Compiled({s.path: compile_spec(s, operations.known(s)) for s in specs}, operations)


def domain_of(spec: Spec) -> str:
    """The spec's domain: front matter `domain:`, else the folder it is in."""
    return spec.domain or spec.path.parent.name or "-"


def plan_check(
    results: Iterable[SpecResult],
    selection: Selection,
    variables: Mapping[str, object],
    missing_credential: MissingCredential | None = None,
) -> CheckPlan:
    """The plan: selected specs in path order, each to run or with its verdict already."""
    planned: list[PlannedSpec] = []
    not_selected = 0
    not_specs: list[tuple[Path, str]] = []
    for result in sorted(results, key=lambda r: str(r.path)):
        spec = result.spec
        if result.not_a_spec is not None:
            not_specs.append((result.path, result.not_a_spec))
        elif spec is not None and not selection.chooses(spec):
            not_selected += 1
        else:
            verdict = _verdict(result, selection, variables, missing_credential)
            planned.append(PlannedSpec(result, verdict))
    return CheckPlan(tuple(planned), not_selected, tuple(not_specs))


def _verdict(
    result: SpecResult,
    selection: Selection,
    variables: Mapping[str, object],
    missing_credential: MissingCredential | None,
) -> SpecCheck | None:
    spec = result.spec
    if spec is None:
        first = result.errors[0] if result.errors else "cannot be read"
        return SpecCheck(
            str(result.path),
            result.path.parent.name,
            "?",
            status=Status.FAIL,
            reason=Reason.INVALID_SPEC,
            message=str(first),
        )
    skip = _skip(spec, selection)
    if skip is not None:
        return _skipped(spec, *skip)
    if result.errors:
        count = len(result.errors)
        text = f"{result.errors[0]} ({count} error{'s' if count > 1 else ''}: loadspec validate)"
        return verdict_of(spec, Status.FAIL, Reason.INVALID_SPEC, text)
    steps = spec.prerequisites + spec.test_request
    missing = sorted(needed_variables(spec, steps) - set(variables))
    if missing:
        names = ", ".join(missing)
        text = f"run variable(s) without a value: {names} (--var {missing[0]}=..., or the config)"
        return _skipped(spec, Reason.MISSING_VARIABLE, text)
    why = missing_credential(spec) if missing_credential is not None else None
    if why is not None:
        return _skipped(spec, Reason.MISSING_CREDENTIAL, why)
    return None


def _skip(spec: Spec, selection: Selection) -> tuple[Reason, str] | None:
    if not spec.runs_by_default and not selection.include_skipped:
        reason = (
            Reason.DEPRECATED if spec.status is SpecStatus.DEPRECATED else Reason.SKIPPED_STATUS
        )
        why = spec.skip_reason or "no reason given"
        return reason, f"status {spec.status.value}: {why} (--include-skipped runs it)"
    if spec.endpoint.method is HttpMethod.DELETE and not selection.include_delete:
        return Reason.DESTRUCTIVE, "a DELETE: --include-delete runs it"
    return None


def _skipped(spec: Spec, reason: Reason, message: str) -> SpecCheck:
    return verdict_of(spec, Status.SKIP, reason, message)


def verdict_of(
    spec: Spec,
    status: Status,
    reason: Reason | None,
    message: str,
    *,
    steps: tuple[StepCheck, ...] = (),
    duration_ms: float = 0.0,
) -> SpecCheck:
    """`spec`'s outcome: its file, domain, endpoint and title, with what was decided."""
    return SpecCheck(
        str(spec.path),
        domain_of(spec),
        str(spec.endpoint),
        spec.title,
        status,
        reason,
        message,
        steps,
        duration_ms,
    )
