"""The `loadspec` command line: one module per subcommand, each with `add_parser` and `run`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from loadspec.errors import ExitCode, LoadspecError

__all__ = ["main"]


def _commands() -> list[ModuleType]:
    # Imported lazily so `loadspec validate` never pays for the stub's or the fuzzer's imports.
    from loadspec.cli import list_cmd, validate_cmd

    commands: list[ModuleType] = [validate_cmd, list_cmd]
    for optional in ("stub_cmd", "fuzz_cmd"):
        try:
            commands.append(__import__(f"loadspec.cli.{optional}", fromlist=["run"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"loadspec.cli.{optional}":
                raise
    return commands


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="loadspec",
        description="Load and contract testing from Markdown/YAML API specs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _commands():
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; exit 0 on success, 1 on failures found, 2 on a usage error."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except LoadspecError as exc:
        print(f"loadspec: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return _reader_left()
    return code


def _reader_left() -> int:
    # `loadspec validate | head`: the reader has gone. Point stdout at /dev/null, or Python
    # fails again flushing it at exit and prints a traceback after all.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return ExitCode.FAILED
