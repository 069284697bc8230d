"""loadspec's Locust options: command line, LOADSPEC_* variables, locust.conf and pyproject."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.contract.conformance import parse_rate
from loadspec.errors import LoadspecError
from loadspec.inputs.variables import run_variables
from loadspec.locust.thresholds import Threshold, parse_threshold

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

    @classmethod
    def from_options(
        cls, options: Any, specs: tuple[Path, ...] = (), environ: Mapping[str, str] | None = None
    ) -> LoadSettings:
        """From parsed Locust options; variables merge pyproject, LOADSPEC_VAR_*, then --var.

        `specs` overrides --specs (a locustfile that names its own); the project's
        pyproject.toml is the nearest one above the working directory or the specs.
        """
        spec_text = getattr(options, "specs", "") or ""
        specs = specs or tuple(Path(p.strip()) for p in spec_text.split(",") if p.strip())
        var_options = getattr(options, "var", None) or []
        variables = run_variables((Path.cwd(), *specs), var_options, environ)
        root = getattr(options, "root", None)
        return cls(
            specs=specs,
            root=Path(root) if root else None,
            variables=variables,
            include_skipped=bool(getattr(options, "include_skipped", False)),
            fallback_host=getattr(options, "fallback_host", None),
            validate_responses=parse_rate(str(getattr(options, "validate_responses", "0") or 0)),
            thresholds=tuple(parse_threshold(t) for t in getattr(options, "threshold", None) or []),
            junit=Path(junit) if (junit := getattr(options, "junit", None)) else None,
            request_timeout=_positive(getattr(options, "request_timeout", None) or 60.0),
        )


def _positive(seconds: float) -> float:
    if seconds <= 0:
        raise LoadspecError(f"--request-timeout must be more than 0 seconds, got {seconds:g}")
    return float(seconds)
