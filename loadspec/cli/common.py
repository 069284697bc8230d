"""Options and helpers shared by the subcommands that read specs."""

from __future__ import annotations

import argparse
from pathlib import Path

from loadspec.errors import LoadspecError
from loadspec.inputs.variables import run_variables
from loadspec.language import CheckOptions

__all__ = ["add_spec_options", "check_options", "spec_paths", "variables"]

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


def spec_paths(args: argparse.Namespace) -> list[Path]:
    """The PATH arguments, or `specs/` when none is given."""
    if args.paths:
        return list(args.paths)
    if DEFAULT_SPECS.is_dir():
        return [DEFAULT_SPECS]
    raise LoadspecError("no PATH given and no specs/ folder here")


def variables(args: argparse.Namespace) -> dict[str, str]:
    """The run variables: pyproject.toml, then `LOADSPEC_VAR_<NAME>`, then `--var`s."""
    return run_variables((Path.cwd(), *args.paths), args.var)


def check_options(args: argparse.Namespace) -> CheckOptions:
    """CheckOptions from --root and the known run variables."""
    root = args.root
    if root is not None and not root.is_dir():
        raise LoadspecError(f"--root {root}: no such folder")
    return CheckOptions(variables=frozenset(variables(args)), root=root)
