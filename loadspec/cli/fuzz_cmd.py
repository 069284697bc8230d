"""`loadspec fuzz`: schemathesis on exactly the endpoints the specs name, per their contracts."""

from __future__ import annotations

import contextlib
import secrets
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from loadspec.cli.common import check_options
from loadspec.config.settings import RunSettings
from loadspec.errors import ConfigError, ExitCode
from loadspec.fuzz import Credentials, FuzzPlan, PlanOptions, plan_fuzz
from loadspec.fuzz.report import excluded_lines, plan_lines, summary_lines
from loadspec.inputs.api_validation import RateLimit
from loadspec.inputs.targets import AllowList, preflight_hosts
from loadspec.language import SpecResult, load_specs
from loadspec.language.names import needed_variables

__all__ = ["run"]


def run(settings: RunSettings) -> int:
    """Plan, fuzz, report."""
    # The configuration's baseUrl is the server to fuzz, unless --url names another.
    url: str | None = settings["url"] or settings.inputs.host
    if url:
        settings.allowed.check("--url", url)
    credentials = _credentials(url, settings)
    inputs = settings.inputs.variables
    results = load_specs(list(settings.specs), check_options(settings))
    options = PlanOptions(
        credentials,
        inputs.values,
        settings.root,
        settings.include_skipped,
        settings.inputs.ref_bases,
        settings.files,
    )
    plan = plan_fuzz(results, options)
    if settings["dry_run"]:
        return _dry_run(plan)
    refusal = inputs.refusal(_needs(plan, results))
    if refusal is not None:
        raise ConfigError(refusal)
    for line in excluded_lines(plan.excluded):
        _err(line)
    if not plan.targets:
        return _nothing_to_fuzz(plan)
    return _fuzz(settings, url, plan, credentials)


def _needs(plan: FuzzPlan, results: list[SpecResult]) -> dict[Path, frozenset[str]]:
    """The run variables each fuzzed spec's main request takes (the one step fuzzed)."""
    fuzzed = {path for target in plan.targets for path in target.specs}
    return {
        r.path: needed_variables(r.spec, [r.spec.main_request] if r.spec.main_request else [])
        for r in results
        if r.spec is not None and r.path in fuzzed
    }


def _fuzz(settings: RunSettings, url: str | None, plan: FuzzPlan, credentials: Credentials) -> int:
    from loadspec.fuzz.engine import FuzzSettings, run_fuzz
    from loadspec.fuzz.junit import fuzz_suite
    from loadspec.reports.junit import write_junit

    seed = settings["seed"] if settings["seed"] is not None else secrets.randbelow(2**31)
    # Built before the target, so that a misspelt --checks fails before a server starts.
    fuzzing = FuzzSettings(
        "http://127.0.0.1",
        credentials,
        settings["max_examples"],
        _list(settings["phases"]),
        _checks(settings["checks"]),
        seed,
        settings.request_timeout,
        _rate_limit(settings.inputs.rate_limit),
    )
    with _target(url, settings.allowed, credentials, seed, plan) as (base_url, where):
        _err(f"fuzzing {len(plan.targets)} operation(s) at {where}, seed {seed}")
        result = run_fuzz(plan, replace(fuzzing, base_url=base_url), _err)
    for line in summary_lines(result, where):
        print(line)
    if settings.junit is not None:
        write_junit(settings.junit, fuzz_suite(result))
        _err(f"JUnit report: {settings.junit}")
    if all(op.not_run for op in result.operations):
        _err("loadspec fuzz: error: no operation could be fuzzed (see the reasons above)")
        return ExitCode.USAGE
    return ExitCode.FAILED if result.failed else ExitCode.OK


def _credentials(url: str | None, settings: RunSettings) -> Credentials:
    # The embedded gateway gets a fresh token of its own: nothing to configure, nothing to leak.
    if not url:
        return Credentials.single(secrets.token_urlsafe(18))
    return settings.credentials()


def _rate_limit(limit: RateLimit | None) -> str | None:
    """The configuration's rateLimit as schemathesis' `rate-limit` (`5/s`)."""
    return None if limit is None else limit.as_rate


@contextlib.contextmanager
def _target(
    url: str | None, allowed: AllowList, credentials: Credentials, seed: int, plan: FuzzPlan
) -> Iterator[tuple[str, str]]:
    if url is not None:
        preflight_hosts([("--url", url)], allowed)
        yield url, url
        return
    from loadspec.mock.embedded import choose_embedded, start_embedded
    from loadspec.stub.config import StubConfig, parse_delay

    endpoints = [(t.operation.method, t.operation.path) for t in plan.targets]
    choice = choose_embedded(endpoints, [c.contract.path for c in plan.contracts])
    token = credentials.fixed or ""
    # Channels activate at once, so the stateful phase can send messages on them.
    server = start_embedded(
        choice,
        StubConfig(
            tokens=(token,),
            seed=seed,
            activation_delay=parse_delay("0"),
            message_delay=parse_delay("10"),
        ),
    )
    with server:
        if choice.is_mock:
            _err(f"loadspec: {choice.line(server.url)}")
        yield server.url, choice.describe(server.url)


def _dry_run(plan: FuzzPlan) -> int:
    from loadspec.fuzz.engine import unusable

    broken = {c.contract.path: unusable(c) for c in plan.contracts}
    for line in plan_lines(plan, broken):
        print(line)
    usable = sum(
        1 for c in plan.contracts for t in c.targets if t.label not in broken[c.contract.path]
    )
    print(
        f"{usable} of {len(plan.targets)} operation(s) can be fuzzed; "
        f"{len(plan.excluded)} spec(s) left out"
    )
    return ExitCode.OK if usable else _nothing_to_fuzz(plan)


def _nothing_to_fuzz(plan: FuzzPlan) -> int:
    problems = sum(1 for e in plan.excluded if not e.skipped)
    skipped = len(plan.excluded) - problems
    _err(
        f"loadspec fuzz: error: no operation to fuzz: {problems} spec(s) cannot be used, "
        f"{skipped} skipped by status (reasons above)"
    )
    return ExitCode.USAGE


def _list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def _checks(text: str) -> tuple[str, ...]:
    names = _list(text)
    return () if names in ((), ("all",)) else names


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
