"""loadspec's Locust options: command line, LOADSPEC_* variables, locust.conf and pyproject."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.contract.conformance import parse_rate
from loadspec.errors import ConfigError
from loadspec.inputs.targets import add_target_arguments
from loadspec.locust.config_options import RunInputs, add_config_arguments, run_inputs
from loadspec.locust.load_options import LoadModel, add_load_arguments, load_model
from loadspec.locust.webhook_options import (
    ListenerSettings,
    add_webhook_arguments,
    listener_settings,
    webhook_limits,
)
from loadspec.verdicts.thresholds import Threshold, parse_threshold
from loadspec.webhooks.limits import WebhookLimits

__all__ = ["LoadSettings", "add_arguments", "early_options"]


def add_arguments(parser: Any) -> None:
    """Register the options on Locust's parser (configargparse: env vars and config files)."""
    group = parser.add_argument_group("loadspec", "Specs compiled into Locust users")
    group.add_argument(
        "--specs",
        env_var="LOADSPEC_SPECS",
        default="",
        help="spec files or folders, separated by commas (locustfiles/specs.py)",
    )
    group.add_argument(
        "--root",
        env_var="LOADSPEC_ROOT",
        default=None,
        help="where the specs' swagger: paths resolve",
    )
    group.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a run variable (repeatable); also LOADSPEC_VAR_<NAME> and "
        "[tool.loadspec.vars] in pyproject.toml",
    )
    group.add_argument(
        "--include-skipped",
        action="store_true",
        default=False,
        env_var="LOADSPEC_INCLUDE_SKIPPED",
        help="also run specs whose status is skip, skipped, failed or deprecated",
    )
    group.add_argument(
        "--validate-responses",
        env_var="LOADSPEC_VALIDATE_RESPONSES",
        default="0",
        metavar="RATE",
        help="check this share of responses (0..1, or 5%%) against the specs' contracts; "
        "a violation fails the request",
    )
    group.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="[ROW:]METRIC<VALUE",
        help="a pass criterion checked at the end (repeatable): 'p95<300', 'fail_rate<1%%', "
        "'POST /business/communication/messages:p99<500'; a breach exits 1",
    )
    group.add_argument(
        "--junit",
        env_var="LOADSPEC_JUNIT",
        default=None,
        metavar="FILE",
        help="write a JUnit XML report: one case per threshold and per stats row",
    )
    group.add_argument(
        "--allow-invalid",
        action="store_true",
        default=False,
        env_var="LOADSPEC_ALLOW_INVALID",
        help="run without the invalid specs (each one is logged) instead of exiting 2",
    )
    group.add_argument(
        "--baseline",
        env_var="LOADSPEC_BASELINE",
        default=None,
        metavar="FILE",
        help="a previous run's --json-file output to compare this run with",
    )
    group.add_argument(
        "--max-regression",
        env_var="LOADSPEC_MAX_REGRESSION",
        default=None,
        metavar="PCT",
        help="with --baseline: fail the run when a row's p95, p99 or failure rate is worse "
        "by more than this (e.g. 20%%)",
    )
    group.add_argument(
        "--request-timeout",
        env_var="LOADSPEC_REQUEST_TIMEOUT",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="a request with no complete answer by then is a failure (default 60)",
    )
    group.add_argument(
        "--fallback-host",
        env_var="LOADSPEC_FALLBACK_HOST",
        default=None,
        help="the host for steps marked useFallback / useFallbackApi",
    )
    add_webhook_arguments(group)
    add_target_arguments(group)
    add_config_arguments(group)
    add_load_arguments(group)


def early_options() -> argparse.Namespace:
    """The options as Locust will parse them, read while the locustfile is still importing.

    Locust discovers User classes by importing the locustfile before it parses the command
    line, and which classes exist depends on --specs and --include-skipped: so they are read
    here with Locust's own parser (same env vars, same config files).
    """
    from locust.argument_parser import get_parser

    options, _ = get_parser().parse_known_args()
    return argparse.Namespace(**vars(options))


@dataclass(frozen=True, slots=True)
class LoadSettings:
    """What a load run of specs is configured with.

    Attributes:
        specs: spec files or folders.
        root: where swagger: paths resolve (None: the nearest folder rule).
        variables: run variables, all sources merged.
        include_skipped: run specs that are skipped by status too.
        fallback_host: host for useFallback steps.
        validate_responses: share of responses checked against the contracts (0: none).
        thresholds: pass criteria checked when the run ends.
        junit: where to write the JUnit report, if anywhere.
        request_timeout: seconds before a request without an answer fails.
        allow_invalid: leave invalid specs out instead of refusing to run.
        baseline: a previous run's --json-file output to compare with.
        max_regression: how much worse than the baseline a row may be (0.2: 20%).
        webhooks: the webhook listener's windows, bounds and rate cap.
        listener: where the webhook listener binds, its public URL, its signature scheme.
        inputs: variables declared without a value, the api-validation configuration's host,
            tokens and rateLimit, the `$ref` bases.
        load: think time, pacing, iterations, stages, arrival rate.
    """

    specs: tuple[Path, ...] = ()
    root: Path | None = None
    variables: Mapping[str, str] = field(default_factory=dict)
    include_skipped: bool = False
    fallback_host: str | None = None
    validate_responses: float = 0.0
    thresholds: tuple[Threshold, ...] = ()
    junit: Path | None = None
    request_timeout: float = 60.0
    allow_invalid: bool = False
    baseline: Path | None = None
    max_regression: float | None = None
    webhooks: WebhookLimits = field(default_factory=WebhookLimits)
    listener: ListenerSettings = field(default_factory=ListenerSettings)
    inputs: RunInputs = field(default_factory=RunInputs)
    load: LoadModel = field(default_factory=LoadModel)

    @classmethod
    def from_options(
        cls, options: Any, specs: tuple[Path, ...] = (), environ: Mapping[str, str] | None = None
    ) -> LoadSettings:
        """From parsed Locust options; variables merge pyproject, config params, env, then --var.

        `specs` overrides --specs (a locustfile that names its own); the project's
        pyproject.toml is the nearest one above the working directory or the specs.
        """
        spec_text = getattr(options, "specs", "") or ""
        specs = specs or tuple(Path(p.strip()) for p in spec_text.split(",") if p.strip())
        inputs = run_inputs(options, specs, environ)
        root = getattr(options, "root", None)
        return cls(
            specs=specs,
            root=Path(root) if root else None,
            variables=inputs.variables.values,
            include_skipped=bool(getattr(options, "include_skipped", False)),
            fallback_host=getattr(options, "fallback_host", None) or inputs.fallback_host,
            validate_responses=parse_rate(str(getattr(options, "validate_responses", "0") or 0)),
            thresholds=tuple(parse_threshold(t) for t in getattr(options, "threshold", None) or []),
            junit=Path(junit) if (junit := getattr(options, "junit", None)) else None,
            request_timeout=_positive(_or(getattr(options, "request_timeout", None), 60.0)),
            allow_invalid=bool(getattr(options, "allow_invalid", False)),
            webhooks=webhook_limits(options),
            listener=listener_settings(options),
            inputs=inputs,
            load=load_model(options, specs),
            **_baseline(options),
        )


def _baseline(options: Any) -> dict[str, Any]:
    baseline = getattr(options, "baseline", None)
    limit = getattr(options, "max_regression", None)
    if limit is not None and not baseline:
        raise ConfigError("--max-regression needs --baseline FILE (a previous run's --json-file)")
    if baseline and not Path(baseline).is_file():
        raise ConfigError(f"--baseline {baseline}: no such file")
    return {
        "baseline": Path(baseline) if baseline else None,
        "max_regression": None if limit is None else _percent("--max-regression", str(limit)),
    }


def _percent(option: str, text: str) -> float:
    number = text.strip().removesuffix("%")
    try:
        value = float(number)
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a percentage (e.g. 20%)") from None
    if value < 0:
        raise ConfigError(f"{option} {text!r} must not be negative")
    return value / 100


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def _positive(seconds: float) -> float:
    if seconds <= 0:
        raise ConfigError(f"--request-timeout must be more than 0 seconds, got {seconds:g}")
    return float(seconds)
