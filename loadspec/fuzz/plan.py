"""Which operations a fuzz run covers: the endpoints the specs name, grouped by contract file.

Everything the plan cannot use is kept with the precise reason, so the run can say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from loadspec.contract.bundle import RefBases
from loadspec.contract.locate import resolve_contract_path
from loadspec.contract.lookup import (
    Contract,
    ContractError,
    Operation,
    load_contract,
)
from loadspec.files import FileRefused, SpecFiles
from loadspec.fuzz.document import for_schemathesis, outside_ref, shared_parameters
from loadspec.fuzz.pins import Pins, pins_for
from loadspec.inputs.credentials import Credentials
from loadspec.language import SpecResult
from loadspec.language.model import Spec, TokenType
from loadspec.security import Security

__all__ = [
    "ContractPlan",
    "Excluded",
    "FuzzPlan",
    "FuzzTarget",
    "PlanOptions",
    "plan_fuzz",
    "shown",
]


def shown(path: Path) -> str:
    """A path as people read it: relative to the current folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


@dataclass(frozen=True, slots=True)
class FuzzTarget:
    """One operation to fuzz, as the specs that name it describe it.

    Attributes:
        operation: the contract's operation.
        specs: the spec files that name it; the first decides the token and the pins.
        token: the credential type its requests carry (None: no `Authorization`); with
            `security`, the token a lone bearer scheme without a secret of its own takes.
        pins: values fixed from run variables.
        security: the contract's security for it, when that decides what its requests carry
            (the spec names no token for its main request), as in load runs.
    """

    operation: Operation
    specs: tuple[Path, ...]
    token: TokenType | None
    pins: Pins = field(default_factory=Pins)
    security: Security | None = None

    @property
    def label(self) -> str:
        """schemathesis' name for it: method and the path as the contract's `paths` key."""
        return f"{self.operation.method} {self.operation.contract_path}"

    @property
    def name(self) -> str:
        """Its name for people: method and full path (base path joined)."""
        return f"{self.operation.method} {self.operation.path}"


@dataclass(frozen=True, slots=True)
class ContractPlan:
    """The targets of one contract file.

    Attributes:
        contract: the parsed contract.
        targets: its operations to fuzz, in the order the specs named them.
    """

    contract: Contract
    targets: tuple[FuzzTarget, ...]

    @property
    def notes(self) -> tuple[str, ...]:
        """What the contract gets wrong and how it is read anyway."""
        return self.contract.notes + for_schemathesis(self.contract)[1]


@dataclass(frozen=True, slots=True)
class Excluded:
    """A spec the run does not fuzz, and why.

    Attributes:
        path: the spec file.
        endpoint: its endpoint, when the spec could be read that far.
        reason: what stops it, precisely enough to act on.
        skipped: excluded on purpose (its status), not because something is wrong.
    """

    path: Path
    endpoint: str | None
    reason: str
    skipped: bool = False

    def __str__(self) -> str:
        endpoint = f" ({self.endpoint})" if self.endpoint else ""
        return f"{self.path}{endpoint}: {self.reason}"


@dataclass(frozen=True, slots=True)
class FuzzPlan:
    """What a fuzz run covers and what it leaves out.

    Attributes:
        contracts: per contract file, the operations to fuzz.
        excluded: specs left out, with their reasons.
    """

    contracts: tuple[ContractPlan, ...]
    excluded: tuple[Excluded, ...]

    @property
    def targets(self) -> tuple[FuzzTarget, ...]:
        """Every operation to fuzz."""
        return tuple(t for plan in self.contracts for t in plan.targets)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """How specs become targets.

    Attributes:
        credentials: the tokens available; a spec whose token is missing is left out.
        variables: run variables, for pins.
        root: where `swagger:` paths resolve (None: above each spec).
        include_skipped: also fuzz specs whose status does not run by default.
        ref_bases: where published `$ref`s are read from (default: the authors' prefix).
        files: where the contracts specs name may be (None: each spec's tree, or `root`).
    """

    credentials: Credentials
    variables: Mapping[str, Any] = field(default_factory=dict)
    root: Path | None = None
    include_skipped: bool = False
    ref_bases: RefBases | None = None
    files: SpecFiles | None = None


def plan_fuzz(results: Iterable[SpecResult], options: PlanOptions) -> FuzzPlan:
    """Collect (contract, method, path) targets from loaded specs, and what is left out."""
    targets: dict[tuple[Path, str, str], FuzzTarget] = {}
    contracts: dict[Path, Contract] = {}
    excluded: list[Excluded] = []
    for result in results:
        outcome = _target(result, options)
        if isinstance(outcome, Excluded):
            excluded.append(outcome)
            continue
        target, contract = outcome
        contracts[contract.path] = contract
        key = (contract.path, target.operation.method, target.operation.contract_path)
        known = targets.get(key)
        targets[key] = target if known is None else replace(known, specs=known.specs + target.specs)
    fuzzed = {t.name for t in targets.values()}
    return FuzzPlan(_group(targets.values(), contracts), tuple(_note(e, fuzzed) for e in excluded))


_INCLUDE_HINT = " (--include-skipped fuzzes it)"


def _note(excluded: Excluded, fuzzed: set[str]) -> Excluded:
    if excluded.skipped and excluded.endpoint in fuzzed:
        reason = excluded.reason.removesuffix(_INCLUDE_HINT)
        return replace(excluded, reason=f"{reason} (its operation is fuzzed through another spec)")
    return excluded


def _group(
    targets: Iterable[FuzzTarget], contracts: Mapping[Path, Contract]
) -> tuple[ContractPlan, ...]:
    by_contract: dict[Path, list[FuzzTarget]] = {}
    for target in targets:
        by_contract.setdefault(target.operation.contract, []).append(target)
    return tuple(ContractPlan(contracts[path], tuple(ts)) for path, ts in by_contract.items())


def _target(result: SpecResult, options: PlanOptions) -> tuple[FuzzTarget, Contract] | Excluded:
    spec = result.spec
    if result.not_a_spec is not None:
        return Excluded(result.path, None, result.not_a_spec, True)
    if spec is not None and not spec.runs_by_default and not options.include_skipped:
        why = f": {spec.skip_reason}" if spec.skip_reason else ""
        return Excluded(
            result.path,
            str(spec.endpoint),
            f"status {spec.status.value}{why}{_INCLUDE_HINT}",
            True,
        )
    if spec is None or result.errors:
        first = result.errors[0].message if result.errors else "cannot be read"
        endpoint = str(spec.endpoint) if spec else None
        return Excluded(
            result.path,
            endpoint,
            f"the spec has errors: {first} (`loadspec validate {result.path}` lists them all)",
        )
    found = _operation(spec, options)
    if isinstance(found, str):
        return Excluded(spec.path, str(spec.endpoint), found)
    contract, operation = found
    return _checked_target(spec, contract, operation, options)


def _checked_target(
    spec: Spec, contract: Contract, operation: Operation, options: PlanOptions
) -> tuple[FuzzTarget, Contract] | Excluded:
    remote = outside_ref(contract.raw, [operation.raw, shared_parameters(contract, operation)])
    if remote is not None:
        why = contract.unresolved.get(remote, "outside the contract")
        return Excluded(
            spec.path,
            str(spec.endpoint),
            f"{operation.method} {operation.contract_path} in {shown(contract.path)} refers "
            f"to {remote}, {why} (loadspec fetches nothing remote)",
        )
    step = spec.main_request
    token = _token(spec)
    security = operation.security if step is not None and not step.token_named else None
    if security is not None:
        sent = options.credentials.for_security(security, token)
        if isinstance(sent, str):
            named = operation.name_for(spec.endpoint.route)
            return Excluded(spec.path, str(spec.endpoint), f"{named} {sent}")
    elif token is not None and (missing := options.credentials.missing(token)):
        return Excluded(spec.path, str(spec.endpoint), missing)
    pins = pins_for(step, contract, operation, options.variables)
    return FuzzTarget(operation, (spec.path,), token, pins, security), contract


def _operation(spec: Spec, options: PlanOptions) -> tuple[Contract, Operation] | str:
    if not spec.swagger:
        return "no `swagger:` in its front matter: no contract to fuzz against"
    root = options.root
    try:
        path = resolve_contract_path(spec.swagger, spec.path, root, options.files)
    except FileRefused as exc:
        return f"contract file {spec.swagger!r} is not read: {exc}"
    if path is None:
        where = f"under --root {root}" if root else "above the spec or in the current folder"
        return f"contract file {spec.swagger!r} not found {where}"
    try:
        contract = load_contract(path, options.ref_bases or RefBases.of(root=root))
    except ContractError as exc:
        return f"contract cannot be used: {exc}"
    operation = contract.find_operation(spec.endpoint.method.value, spec.endpoint.route)
    if operation is None:
        why = contract.why_not_found(spec.endpoint.method.value, spec.endpoint.route)
        route = f"{spec.endpoint.method.value} {spec.endpoint.route}"
        return f"{route} is not in {shown(path)}: {why}"
    return contract, operation


def _token(spec: Spec) -> TokenType | None:
    step = spec.main_request
    if step is not None:
        return step.token
    return spec.tokens[0] if spec.tokens else TokenType.STAFF
