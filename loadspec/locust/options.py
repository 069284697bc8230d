"""loadspec's options on Locust's parser: the table's, with the project's values as defaults.

Locust reads them from the command line, `LOADSPEC_*` variables and its config files
(`locust.conf`, `[tool.locust]`); `[tool.loadspec]` gives the defaults, so the web UI's start
form shows what the run will use. Only the options that take effect at a test's start are on
that form (`Option.web_ui`), and no secret.
"""

from __future__ import annotations

import argparse
from typing import Any

from loadspec.config.options import OPTIONS
from loadspec.config.register import add_options
from loadspec.config.table import Command, Option, taken_by
from loadspec.locust.state import ProcessState

__all__ = ["WEB_UI_OPTIONS", "add_arguments", "early_options"]

WEB_UI_OPTIONS: tuple[Option, ...] = tuple(
    option for option in taken_by(OPTIONS, Command.LOCUST) if option.web_ui
)
"""The options the web UI's start form may change: read again at each test start."""


def add_arguments(state: ProcessState, parser: Any) -> None:
    """Register the options (Locust's `init_command_line_parser` event)."""
    project = state.project.values_for(Command.LOCUST) if state.project else None
    add_options(parser, Command.LOCUST, defaults=project, locust=True)


def early_options() -> argparse.Namespace:
    """The options as Locust will parse them, read while the locustfile is still importing.

    Locust discovers User classes by importing the locustfile before it parses the command
    line, and which classes exist depends on --specs and --include-skipped: so they are read
    here with Locust's own parser (same env vars, same config files).
    """
    from locust.argument_parser import get_parser

    options, _ = get_parser().parse_known_args()
    return argparse.Namespace(**vars(options))
