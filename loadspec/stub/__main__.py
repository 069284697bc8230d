"""`python -m loadspec.stub [flags]`: the same server as `loadspec stub`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from loadspec.config.register import add_options
from loadspec.config.table import Command
from loadspec.errors import ExitCode, LoadspecError
from loadspec.stub.options import config_from_values, stub_values
from loadspec.stub.server.serve import serve


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, serve until stopped."""
    parser = argparse.ArgumentParser(
        prog="python -m loadspec.stub", description="The embedded communication gateway."
    )
    add_options(parser, Command.STUB)
    args = parser.parse_args(argv)
    try:
        values = stub_values(args)
        config = config_from_values(values)
        return serve(
            config, ready_json=values["ready_json"], exit_on_stdin_eof=values["exit_on_stdin_eof"]
        )
    except LoadspecError as exc:
        print(f"loadspec stub: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
