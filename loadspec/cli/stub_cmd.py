"""`loadspec stub`: run the embedded communication gateway in the foreground."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    """Register `stub` and its flags."""
    # Imported here: `loadspec validate` must not pay for the stub's imports.
    from loadspec.stub.options import add_arguments

    parser: argparse.ArgumentParser = subparsers.add_parser(
        "stub",
        help="run the embedded communication gateway (the default load and fuzz target)",
        description="Serve a fast reference of the communication gateway and the clients API "
        "on loopback, with in-memory state, signed callbacks and optional faults.",
    )
    add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C; 0 on a clean stop."""
    from loadspec.stub.options import config_from_args
    from loadspec.stub.server.serve import serve

    config = config_from_args(args)
    return serve(config, ready_json=args.ready_json, exit_on_stdin_eof=args.exit_on_stdin_eof)
