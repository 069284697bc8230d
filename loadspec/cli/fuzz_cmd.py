"""`loadspec fuzz`: schemathesis on exactly the endpoints the specs name, per their contracts."""

from __future__ import annotations

import argparse
import contextlib
import secrets
import socket
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from loadspec.cli.common import (
    add_ref_base_option,
    add_spec_options,
    api_config,
    check_options,
    ref_bases,
    run_variables,
    spec_paths,
)
from loadspec.errors import ConfigError, ExitCode, LoadspecError
from loadspec.fuzz import Credentials, FuzzPlan, PlanOptions, plan_fuzz
from loadspec.fuzz.report import excluded_lines, plan_lines, summary_lines
from loadspec.inputs.api_validation import ApiValidationConfig
from loadspec.inputs.targets import AllowList, add_target_arguments
from loadspec.language import SpecResult, load_specs
from loadspec.language.names import needed_variables

__all__ = ["add_parser", "run"]

_PHASES = "examples,coverage,fuzzing,stateful"


def add_parser(sub: Any) -> None:
    """Register `fuzz`."""
    parser = sub.add_parser(
        "fuzz",
        help="fuzz the specs' endpoints against their OpenAPI/Swagger contracts",
        description="Collect the endpoints the specs name, open each spec's contract, and run "
        "schemathesis on exactly those operations. Without --url, the embedded gateway is "
        "started for the run. Exit 0 when clean, 1 when failures are found, 2 for bad input.",
    )
    add_spec_options(parser)
    add_ref_base_option(parser)
    parser.add_argument(
        "--url",
        metavar="URL",
        help="server to fuzz (default: the embedded gateway, started for "
        "the run); tokens come from LOADSPEC_TOKEN_<TYPE>, e.g. LOADSPEC_TOKEN_STAFF",
    )
    add_target_arguments(parser)
    parser.add_argument(
        "--max-examples",
        type=int,
        default=100,
        metavar="N",
        help="examples per operation and phase (default 100)",
    )
    parser.add_argument(
        "--phases",
        default=_PHASES,
        metavar="LIST",
        help=f"comma-separated phases to run (default {_PHASES})",
    )
    parser.add_argument(
        "--checks",
        default="all",
        metavar="LIST",
        help="comma-separated schemathesis checks, or 'all' (default)",
    )
    parser.add_argument("--seed", type=int, metavar="N", help="seed for a reproducible run")
    parser.add_argument(
        "--include-skipped",
        action="store_true",
        help="also fuzz specs whose status is skip, skipped, failed or deprecated",
    )
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="per-request timeout (default 10)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be fuzzed, and what cannot be, without a request",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Plan, fuzz, report."""
    config = api_config(args)
    # The configuration's baseUrl is the server to fuzz, unless --url names another.
    args.url = args.url or (config.base_url if config else None)
    if args.url:
        AllowList.of(args.allow_host).check("--url", args.url)
    credentials = _credentials(args.url, config)
    inputs = run_variables(args)
    results = load_specs(spec_paths(args), check_options(args))
    plan = plan_fuzz(
        results,
        PlanOptions(credentials, inputs.values, args.root, args.include_skipped, ref_bases(args)),
    )
    if args.dry_run:
        return _dry_run(plan)
    refusal = inputs.refusal(_needs(plan, results))
    if refusal is not None:
        raise ConfigError(refusal)
    for line in excluded_lines(plan.excluded):
        _err(line)
    if not plan.targets:
        return _nothing_to_fuzz(plan)
    return _fuzz(args, plan, credentials, config)


def _needs(plan: FuzzPlan, results: list[SpecResult]) -> dict[Path, frozenset[str]]:
    """The run variables each fuzzed spec's main request takes (the one step fuzzed)."""
    fuzzed = {path for target in plan.targets for path in target.specs}
    return {
        r.path: needed_variables(r.spec, [r.spec.main_request] if r.spec.main_request else [])
        for r in results
        if r.spec is not None and r.path in fuzzed
    }


def _fuzz(
    args: argparse.Namespace,
    plan: FuzzPlan,
    credentials: Credentials,
    config: ApiValidationConfig | None,
) -> int:
    from loadspec.fuzz.engine import FuzzSettings, run_fuzz
    from loadspec.fuzz.junit import fuzz_suite
    from loadspec.reports.junit import write_junit

    seed = args.seed if args.seed is not None else secrets.randbelow(2**31)
    # Built before the target, so that a misspelt --checks fails before a server starts.
    settings = FuzzSettings(
        "http://127.0.0.1",
        credentials,
        args.max_examples,
        _list(args.phases),
        _checks(args.checks),
        seed,
        args.request_timeout,
        _rate_limit(config),
    )
    with _target(args.url, credentials, seed) as (url, where):
        _err(f"fuzzing {len(plan.targets)} operation(s) at {where}, seed {seed}")
        result = run_fuzz(plan, replace(settings, base_url=url), _err)
    for line in summary_lines(result, where):
        print(line)
    if args.junit is not None:
        write_junit(args.junit, fuzz_suite(result))
        _err(f"JUnit report: {args.junit}")
    if all(op.not_run for op in result.operations):
        _err("loadspec fuzz: error: no operation could be fuzzed (see the reasons above)")
        return ExitCode.USAGE
    return ExitCode.FAILED if result.failed else ExitCode.OK


def _credentials(url: str | None, config: ApiValidationConfig | None) -> Credentials:
    # The embedded gateway gets a fresh token of its own: nothing to configure, nothing to leak.
    if not url:
        return Credentials.single(secrets.token_urlsafe(18))
    return Credentials.configured(config.tokens if config else {})


def _rate_limit(config: ApiValidationConfig | None) -> str | None:
    """The configuration's rateLimit as schemathesis' `rate-limit` (`5/s`)."""
    if config is None or config.rate_limit is None:
        return None
    return config.rate_limit.as_rate


@contextlib.contextmanager
def _target(url: str | None, credentials: Credentials, seed: int) -> Iterator[tuple[str, str]]:
    if url is not None:
        _check_reachable(url)
        yield url, url
        return
    from loadspec.stub import StubServer

    token = credentials.fixed or ""
    # Channels activate at once, so the stateful phase can send messages on them.
    with StubServer(tokens=(token,), activation_delay="0", message_delay="10", seed=seed) as stub:
        yield stub.url, f"the embedded gateway ({stub.url})"


def _check_reachable(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadspecError(f"--url {url!r} is not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=5).close()
    except OSError as exc:
        raise LoadspecError(f"--url {url}: cannot connect: {exc.strerror or exc}") from None


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
