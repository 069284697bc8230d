"""The load options that read the authors' setup: --api-validation-config and --ref-base."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.contract.bundle import AUTHORS_PREFIX, RefBases, parse_ref_base
from loadspec.inputs.api_validation import (
    CONFIG_ENV,
    ApiValidationConfig,
    RateLimit,
    config_source,
    load_api_validation_config,
)
from loadspec.inputs.variables import RunVariables, collect_variables, project_ref_bases
from loadspec.language.model import TokenType

__all__ = ["RunInputs", "add_config_arguments", "run_inputs"]


def add_config_arguments(group: Any) -> None:
    """Register the options on Locust's argument group (env var and config file entry too)."""
    group.add_argument(
        "--api-validation-config",
        env_var=CONFIG_ENV,
        default=None,
        metavar="DIR|FILE",
        help="the authors' api-validation configuration (default.json + tokens.json): "
        "baseUrl is the host, fallbackUrl the fallback host, tokens and params the "
        "credentials and run variables, rateLimit the pacing",
    )
    group.add_argument(
        "--ref-base",
        action="append",
        default=[],
        metavar="PREFIX=DIR",
        help="--validate-responses reads contract $refs starting with PREFIX from DIR, never "
        f"from the network (repeatable; {AUTHORS_PREFIX} is read from the root by default)",
    )


@dataclass(frozen=True, slots=True)
class RunInputs:
    """What a load run reads besides its own options: variables, configuration, ref bases.

    Attributes:
        variables: run variables (values and names declared without one).
        host: the configuration's baseUrl: the host when --host is not given.
        fallback_host: the configuration's fallbackUrl.
        tokens: the configuration's tokens (LOADSPEC_TOKEN_<TYPE> wins over them).
        rate_limit: the configuration's rateLimit, the run's pacing.
        ref_bases: where the contracts' published `$ref`s are read from.
    """

    variables: RunVariables = field(default_factory=RunVariables)
    host: str | None = None
    fallback_host: str | None = None
    tokens: Mapping[TokenType, str] = field(default_factory=dict, repr=False)
    rate_limit: RateLimit | None = None
    ref_bases: RefBases = field(default_factory=RefBases)


def run_inputs(
    options: Any, specs: tuple[Path, ...], environ: Mapping[str, str] | None = None
) -> RunInputs:
    """Run variables (pyproject, the configuration's params, LOADSPEC_VAR_*, --var), the
    configuration named by --api-validation-config, and the `$ref` bases."""
    config = _config(options)
    starts = (Path.cwd(), *specs)
    root = Path(given) if (given := getattr(options, "root", None)) else None
    entries = project_ref_bases(*starts)
    entries += [parse_ref_base(text) for text in getattr(options, "ref_base", None) or []]
    return RunInputs(
        variables=_variables(options, starts, environ, config),
        host=config.base_url if config else None,
        fallback_host=config.fallback_url if config else None,
        tokens=dict(config.tokens) if config else {},
        rate_limit=config.rate_limit if config else None,
        ref_bases=RefBases.of(entries, root),
    )


def _config(options: Any) -> ApiValidationConfig | None:
    # Locust's parser already read LOADSPEC_API_VALIDATION_CONFIG into the option.
    where = config_source(getattr(options, "api_validation_config", None), {})
    return None if where is None else load_api_validation_config(where)


def _variables(
    options: Any,
    starts: tuple[Path, ...],
    environ: Mapping[str, str] | None,
    config: ApiValidationConfig | None,
) -> RunVariables:
    declared = config.declared_in if config else {}
    return collect_variables(
        starts,
        getattr(options, "var", None) or [],
        environ,
        configured=config.params if config else None,
        declared=declared,
    )
