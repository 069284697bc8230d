"""schemathesis' own engine on exactly the planned operations. The only module importing it.

Selection is one filter on schemathesis' operation labels (`METHOD /path` as the contract's
`paths` key), so each target is an AND of its method and path; tokens and pins are per-operation
settings in a schemathesis config built here, never read from the user's `schemathesis.toml`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import schemathesis
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import ConfigError as SchemathesisConfigError
from schemathesis.core.errors import InvalidSchema, LoaderError
from schemathesis.core.result import Err
from schemathesis.engine import from_schema
from schemathesis.filters import FilterSet
from schemathesis.schemas import BaseSchema

from loadspec.config.options import PHASES
from loadspec.errors import ConfigError, did_you_mean
from loadspec.fuzz.collect import Collector, Progress
from loadspec.fuzz.document import MARK, for_schemathesis
from loadspec.fuzz.plan import ContractPlan, FuzzPlan, FuzzTarget, shown
from loadspec.fuzz.results import ContractResult, FuzzResult, OperationResult
from loadspec.inputs.credentials import Credentials, Sent
from loadspec.inputs.masking import Masker

__all__ = ["FuzzError", "FuzzSettings", "known_checks", "run_fuzz", "unusable"]


class FuzzError(ConfigError):
    """A fuzz setting that cannot be used (an unknown phase or check)."""


@dataclass(frozen=True, slots=True)
class FuzzSettings:
    """How to fuzz.

    Attributes:
        base_url: the server's root; each contract's base path is joined to it.
        credentials: tokens per type.
        max_examples: examples per operation and phase (schemathesis' `max-examples`).
        phases: which of `PHASES` run.
        checks: schemathesis checks to run (empty: all of them).
        seed: the seed that makes the run reproducible.
        request_timeout: seconds before a request counts as failed.
        rate_limit: schemathesis' `rate-limit` (`300/m`), from a configuration's rateLimit.
    """

    base_url: str
    credentials: Credentials
    max_examples: int = 100
    phases: tuple[str, ...] = PHASES
    checks: tuple[str, ...] = ()
    seed: int = 0
    request_timeout: float = 10.0
    rate_limit: str | None = None

    def __post_init__(self) -> None:
        if not self.phases:
            raise FuzzError(f"--phases needs at least one of {', '.join(PHASES)}")
        _check_names("phase", self.phases, PHASES)
        _check_names("check", self.checks, known_checks())
        if self.max_examples < 1:
            raise FuzzError(f"--max-examples must be at least 1, got {self.max_examples}")


def known_checks() -> tuple[str, ...]:
    """The names of schemathesis' checks, for `--checks`."""
    load_all_checks()
    return tuple(CHECKS.get_all_names())


def _check_names(kind: str, given: Sequence[str], known: Sequence[str]) -> None:
    for name in given:
        if name not in known:
            close = did_you_mean(name, known)
            hint = f"; did you mean {close!r}?" if close else f" (known: {', '.join(known)})"
            raise FuzzError(f"unknown {kind} {name!r}{hint}")


def run_fuzz(plan: FuzzPlan, settings: FuzzSettings, progress: Progress) -> FuzzResult:
    """Fuzz every planned operation, one contract file after another."""
    redact = Masker(settings.credentials.secrets)
    results = tuple(_run_contract(c, settings, progress, redact) for c in plan.contracts)
    return FuzzResult(plan, results, settings.seed)


def unusable(plan: ContractPlan) -> dict[str, str]:
    """Planned labels schemathesis cannot load, and why (no request is sent)."""
    settings = FuzzSettings("http://127.0.0.1", Credentials())
    try:
        schema = _load(plan, settings)
    except _CannotLoad as exc:
        return {t.label: exc.reason for t in plan.targets}
    return _broken(_select(schema, plan.targets))


class _CannotLoad(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _run_contract(
    plan: ContractPlan, settings: FuzzSettings, progress: Progress, redact: Masker
) -> ContractResult:
    started = time.monotonic()
    base_url = _base_url(plan, settings)
    try:
        schema = _load(plan, settings)
    except _CannotLoad as exc:
        ops = tuple(OperationResult(t, not_run=exc.reason) for t in plan.targets)
        return ContractResult(plan.contract.path, base_url, ops)
    broken = _broken(_select(schema, plan.targets))
    runnable = [t for t in plan.targets if t.label not in broken]
    progress(f"{shown(plan.contract.path)}: {len(runnable)} operation(s) -> {base_url}")
    collector = Collector(runnable, redact, progress)
    if runnable:
        for event in from_schema(_select(schema, runnable)).execute():
            collector.handle(event)
    return ContractResult(
        plan.contract.path,
        base_url,
        _in_plan_order(plan.targets, collector.results(), broken),
        collector.run_errors(),
        plan.notes,
        time.monotonic() - started,
    )


def _in_plan_order(
    targets: Sequence[FuzzTarget], ran: dict[str, OperationResult], broken: dict[str, str]
) -> tuple[OperationResult, ...]:
    return tuple(
        replace(ran[t.label], target=t)
        if t.label in ran
        else OperationResult(t, not_run=broken.get(t.label))
        for t in targets
    )


def _base_url(plan: ContractPlan, settings: FuzzSettings) -> str:
    """The URL its `paths` keys join: the target and the contract's base path, unless the
    target already ends with it (`--url https://api.example.com/v1`)."""
    url, base = settings.base_url.rstrip("/"), plan.contract.base_path
    return url if base and url.endswith(base) else url + base


def _load(plan: ContractPlan, settings: FuzzSettings) -> BaseSchema:
    document, _ = for_schemathesis(plan.contract)
    try:
        config = schemathesis.Config.from_dict(_config(plan, settings))
        return schemathesis.openapi.from_dict(document, config=config)
    except (LoaderError, InvalidSchema, SchemathesisConfigError) as exc:
        raise _CannotLoad(
            f"schemathesis cannot load {shown(plan.contract.path)}: {_first_lines(exc)}"
        ) from None
    except Exception as exc:  # a messy contract must not end the run with a traceback
        raise _CannotLoad(
            f"schemathesis cannot load {shown(plan.contract.path)}: "
            f"{type(exc).__name__}: {_first_lines(exc)}"
        ) from None


def _config(plan: ContractPlan, settings: FuzzSettings) -> dict[str, Any]:
    """A schemathesis configuration (the `schemathesis.toml` format) for this contract's run."""
    config: dict[str, Any] = {
        "seed": settings.seed,
        "base-url": _base_url(plan, settings),
        "request-timeout": settings.request_timeout,
        "cache": {"enabled": False},  # runs stay reproducible from the seed alone
        "generation": {"max-examples": settings.max_examples, "database": "none"},
        "phases": {name: {"enabled": name in settings.phases} for name in PHASES},
        "operations": [c for t in plan.targets if (c := _operation_config(t, settings))],
    }
    if settings.checks:
        config["checks"] = {"enabled": False, **{c: {"enabled": True} for c in settings.checks}}
    if settings.rate_limit is not None:
        config["rate-limit"] = settings.rate_limit
    return config


def _operation_config(target: FuzzTarget, settings: FuzzSettings) -> dict[str, Any] | None:
    headers = dict(target.pins.headers)
    parameters = dict(target.pins.parameters)
    sent = _credentials(target, settings.credentials)
    headers.update(sent.headers)
    parameters.update({f"query.{name}": value for name, value in sent.params.items()})
    if sent.cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in sent.cookies.items())
    authorized = bool(sent.headers or sent.params or sent.cookies)
    config: dict[str, Any] = {}
    if headers:
        config["headers"] = headers
    if authorized:
        # The run sends its own credential: a case schemathesis generates without it (or with
        # a broken one) still goes out authorized, and its acceptance would be a false
        # `negative_data_rejection` failure. Missing auth stays tested by `ignored_auth`.
        config["generation"] = {"with-security-parameters": False}
    if parameters:
        config["parameters"] = parameters
    # `include-name` is schemathesis' label, `METHOD /path`: one key, so method AND path.
    return {"include-name": target.label, **config} if config else None


def _credentials(target: FuzzTarget, credentials: Credentials) -> Sent:
    """What its requests carry: the contract's schemes (as in load runs), or its token."""
    if target.security is not None:
        sent = credentials.for_security(target.security, target.token)
        return Sent() if isinstance(sent, str) else sent  # the plan left out what cannot be sent
    authorization = credentials.authorization(target.token) if target.token else None
    return Sent(headers={"Authorization": authorization}) if authorization else Sent()


def _broken(schema: BaseSchema) -> dict[str, str]:
    broken: dict[str, str] = {}
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            error = result.err()
            broken[error.label] = f"schemathesis cannot use it: {_first_lines(error)}"
    return broken


def _select(schema: BaseSchema, targets: Sequence[FuzzTarget]) -> BaseSchema:
    # One include filter listing labels; adding it with `schema.include` would OR it with the
    # filter the per-operation settings installed, and select everything.
    wanted = FilterSet()
    wanted.include(name=[t.label for t in targets])
    return schema.clone(filter_set=schema.config.operations.filter_set_with(include=wanted))


# schemathesis offers `before_call` only as a global hook: it acts on loadspec's documents only.
@schemathesis.hook
def before_call(
    context: schemathesis.HookContext, case: schemathesis.Case[Any], kwargs: Any
) -> None:
    """Body pins in every phase: schemathesis applies them only to the data Hypothesis draws.

    Coverage and examples cases get them here; schemathesis revalidates a case a hook changed,
    so a negative case that the pin made valid is no longer expected to be rejected.
    """
    if case.operation.schema.raw_schema.get(MARK) is not True or not isinstance(case.body, dict):
        return
    config = case.operation.schema.config.operations.get_for_operation(case.operation)
    for key, value in config.parameters.items():
        if key.startswith("body."):
            _set_path(case.body, key[len("body.") :].split("."), value)


def _set_path(body: dict[str, Any], path: list[str], value: Any) -> None:
    target: Any = body
    for part in path[:-1]:
        target = target.get(part) if isinstance(target, dict) else None
    if isinstance(target, dict):
        target[path[-1]] = value


def _first_lines(error: BaseException, lines: int = 3) -> str:
    text = getattr(error, "message", None) or str(error)
    kept = [line.strip() for line in str(text).splitlines() if line.strip()][:lines]
    return " ".join(kept)
