"""`python -m loadspec.stub [flags]`: the same server as `loadspec stub`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from loadspec.errors import ExitCode, LoadspecError
from loadspec.stub.options import add_arguments, config_from_args
from loadspec.stub.server.serve import serve


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, serve until stopped."""
    parser = argparse.ArgumentParser(
        prog="python -m loadspec.stub", description="The embedded communication gateway."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        config = config_from_args(args)
        return serve(config, ready_json=args.ready_json, exit_on_stdin_eof=args.exit_on_stdin_eof)
    except LoadspecError as exc:
        print(f"loadspec stub: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
