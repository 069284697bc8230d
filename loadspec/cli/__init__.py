"""The `loadspec` command line: one module per subcommand, its options from the one table.

Each subcommand module has `run(settings)`; `main` registers the table's options for every
subcommand (`loadspec.config.register`), imports the one module asked for, builds the
process's `RunSettings` once and hands it over. `loadspec stub` builds no RunSettings: it
reads the table's values into the gateway's `StubConfig` and loads no spec reader.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from loadspec.config.register import add_options
from loadspec.config.table import Command
from loadspec.errors import ExitCode, LoadspecError

__all__ = ["main"]

# command: (module, help, description)
_COMMANDS = {
    Command.VALIDATE: (
        "loadspec.cli.validate_cmd",
        "check spec files and report every problem",
        "Check spec files; print PATH:LINE: error|warning|note: MESSAGE for each problem, then "
        "a summary. Exit 0 when no errors, 1 when any, 2 for a usage error.",
    ),
    Command.LIST: (
        "loadspec.cli.list_cmd",
        "a table of specs: endpoint, status, tokens, steps",
        "One row per spec: endpoint, status and whether it runs by default, skip reason, "
        "tokens, number of steps.",
    ),
    Command.CHECK: (
        "loadspec.cli.check_cmd",
        "run each spec once and judge the API against its contract",
        "Run every selected spec once (prerequisites, test request, waits) and check each "
        "response against its operation in the contract: PASS, WARN, ERROR, FAIL or SKIP per "
        "spec, with a reason code. Without --host, the embedded gateway is started for the run. "
        "Exit 0 when nothing reaches --fail-on, 1 when something does, 2 for a configuration "
        "problem before any request.",
    ),
    Command.STUB: (
        "loadspec.cli.stub_cmd",
        "run the embedded communication gateway (the default load and fuzz target)",
        "Serve a fast reference of the communication gateway and the clients API on loopback, "
        "with in-memory state, signed callbacks and optional faults.",
    ),
    Command.LOAD: (
        "loadspec.cli.load_cmd",
        "run Locust on a folder of specs: loadspec load PATH [--] LOCUST OPTIONS",
        "Run the specs under PATH (a file, a folder, or several separated by commas) as load "
        "with Locust and the locustfile this package ships: every Locust option after PATH is "
        "passed on (-u, -r, -t, --headless, --host, --web-port, --master, ...), loadspec's "
        "own too (--threshold, --junit, ...). Without --host the embedded gateway is started. "
        "The exit code is Locust's.",
    ),
    Command.MOCK: (
        "loadspec.cli.mock_cmd",
        "serve a stateful mock of any OpenAPI/Swagger contract",
        "Serve every operation of the contracts given (files or folders) on loopback: requests "
        "checked against the contract, answers from its examples or generated from its schemas, "
        "records kept by resource (create, read, update, delete, list), callbacks sent signed, "
        "the embedded gateway's front end, limits and faults. POST /__loadspec/reset forgets "
        "every record.",
    ),
    Command.FUZZ: (
        "loadspec.cli.fuzz_cmd",
        "fuzz the specs' endpoints against their OpenAPI/Swagger contracts",
        "Collect the endpoints the specs name, open each spec's contract, and run schemathesis "
        "on exactly those operations. Without --url, the embedded gateway is started for the "
        "run. Exit 0 when clean, 1 when failures are found, 2 for bad input.",
    ),
}

_ON_GEVENT = frozenset({Command.CHECK})
"""Commands that send through the Locust layer's transport, on gevent."""


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every subcommand and its options registered."""
    parser = argparse.ArgumentParser(
        prog="loadspec",
        description="Load and contract testing from Markdown/YAML API specs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command, (_, text, description) in _COMMANDS.items():
        child = sub.add_parser(command.value, help=text, description=description)
        add_options(child, command)
        child.set_defaults(command=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; exit 0 on success, 1 on failures found, 2 on a usage error."""
    args = build_parser().parse_args(argv)
    command = Command(args.command)
    if command in _ON_GEVENT:
        # Before anything imports ssl (jwt does): importing Locust patches the standard
        # library for gevent, which the check's transport and listener run on.
        import loadspec.check.run  # noqa: F401
    try:
        module = importlib.import_module(_COMMANDS[command][0])
        code: int = module.run(_settings(command, args))
        sys.stdout.flush()
    except LoadspecError as exc:
        print(f"loadspec: error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return _reader_left()
    return code


def _settings(command: Command, args: argparse.Namespace) -> object:
    if command is Command.MOCK:
        from loadspec.mock.options import mock_values

        return mock_values(args)
    if command.is_stub:
        from loadspec.stub.options import stub_values

        return stub_values(args)
    from loadspec.config.settings import RunSettings

    settings = RunSettings.build(command, args)
    if (line := settings.project.elsewhere()) is not None:
        print(line, file=sys.stderr)
    return settings


def _reader_left() -> int:
    # `loadspec validate | head`: the reader has gone. Point stdout at /dev/null, or Python
    # fails again flushing it at exit and prints a traceback after all.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return ExitCode.FAILED
