"""Options and helpers shared by the subcommands that read specs."""

from __future__ import annotations

import argparse
from pathlib import Path

from loadspec.contract.bundle import AUTHORS_PREFIX, RefBases, parse_ref_base
from loadspec.errors import LoadspecError
from loadspec.inputs.api_validation import (
    ApiValidationConfig,
    config_source,
    load_api_validation_config,
)
from loadspec.inputs.variables import RunVariables, collect_variables, project_ref_bases
from loadspec.language import CheckOptions
from loadspec.language.names import SOURCE_CONFIG_NAMES

__all__ = [
    "add_ref_base_option",
    "add_spec_options",
    "api_config",
    "check_options",
    "ref_bases",
    "run_variables",
    "spec_paths",
    "variables",
]

DEFAULT_SPECS = Path("specs")


def add_spec_options(parser: argparse.ArgumentParser) -> None:
    """PATH..., --root and --var, as every spec-reading command takes them."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="spec files or folders searched for *.md (default: specs/)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="where swagger: paths resolve (default: the nearest folder above "
        "each spec that holds the named file)",
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a run variable (repeatable); also LOADSPEC_VAR_<NAME>, and "
        "[tool.loadspec.vars] in pyproject.toml declares project-wide ones",
    )
    parser.add_argument(
        "--api-validation-config",
        metavar="DIR|FILE",
        help="the authors' api-validation configuration (default.json + tokens.json): "
        "baseUrl, fallbackUrl, tokens, params, rateLimit; also LOADSPEC_API_VALIDATION_CONFIG",
    )


def spec_paths(args: argparse.Namespace) -> list[Path]:
    """The PATH arguments, or `specs/` when none is given."""
    if args.paths:
        return list(args.paths)
    if DEFAULT_SPECS.is_dir():
        return [DEFAULT_SPECS]
    raise LoadspecError("no PATH given and no specs/ folder here")


def api_config(args: argparse.Namespace) -> ApiValidationConfig | None:
    """The authors' configuration named by --api-validation-config or its variable, if any."""
    where = config_source(getattr(args, "api_validation_config", None))
    return None if where is None else load_api_validation_config(where)


def run_variables(args: argparse.Namespace) -> RunVariables:
    """pyproject.toml, the configuration's params, `LOADSPEC_VAR_<NAME>`, then `--var`s;
    and the names declared without a value."""
    config = api_config(args)
    declared = config.declared_in if config else {}
    return collect_variables(
        (Path.cwd(), *args.paths),
        args.var,
        configured=config.params if config else None,
        declared=declared,
    )


def variables(args: argparse.Namespace) -> dict[str, str]:
    """The run variables' values (see `run_variables`)."""
    return dict(run_variables(args).values)


def add_ref_base_option(parser: argparse.ArgumentParser) -> None:
    """--ref-base, for the commands that read contracts' schemas (fuzz)."""
    parser.add_argument(
        "--ref-base",
        action="append",
        default=[],
        metavar="PREFIX=DIR",
        help="read $refs starting with PREFIX from DIR, never from the network (repeatable; "
        f"{AUTHORS_PREFIX} is read from the root by default)",
    )


def ref_bases(args: argparse.Namespace) -> RefBases:
    """Where published `$ref`s are read from: the root, pyproject.toml, then --ref-base."""
    entries = project_ref_bases(Path.cwd(), *args.paths)
    entries += [parse_ref_base(text) for text in getattr(args, "ref_base", None) or []]
    return RefBases.of(entries, args.root)


def check_options(args: argparse.Namespace) -> CheckOptions:
    """CheckOptions from --root and the known run variables (declared ones too)."""
    root = args.root
    if root is not None and not root.is_dir():
        raise LoadspecError(f"--root {root}: no such folder")
    known = run_variables(args).for_checks(SOURCE_CONFIG_NAMES)
    return CheckOptions(variables=known, root=root)
