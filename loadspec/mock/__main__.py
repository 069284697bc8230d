"""`python -m loadspec.mock [flags] CONTRACT...`: the same server as `loadspec mock`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from loadspec.config.register import add_options
from loadspec.config.table import Command
from loadspec.errors import ExitCode, LoadspecError
from loadspec.mock.options import mock_values
from loadspec.mock.serve import run_mock


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, serve until stopped."""
    parser = argparse.ArgumentParser(
        prog="python -m loadspec.mock", description="A stateful mock of API contracts."
    )
    add_options(parser, Command.MOCK)
    try:
        return run_mock(mock_values(parser.parse_args(argv)))
    except LoadspecError as exc:
        print(f"loadspec mock: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
