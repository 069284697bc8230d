"""What an option is: its name, variable, parser, default, help, commands and where it shows.

The entries themselves are in `loadspec.config.options` (`OPTIONS`); everything that reads an
option (the command line, Locust's parser and web UI, environment variables, `locust.conf`,
`[tool.loadspec]`, the README's tables) reads that one table through this module.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from loadspec.errors import ConfigError

__all__ = ["ENV_PREFIX", "Command", "Kind", "Option", "split_values"]

ENV_PREFIX = "LOADSPEC_"


class Command(enum.StrEnum):
    """Where an option is taken: a Locust run of specs, or a `loadspec` subcommand."""

    LOCUST = "locust"
    VALIDATE = "validate"
    LIST = "list"
    FUZZ = "fuzz"
    CHECK = "check"
    STUB = "stub"
    LOAD = "load"
    MOCK = "mock"
    LISTEN = "stub.listen"

    @property
    def is_stub(self) -> bool:
        """The embedded gateway, the contract mock (the stub's front end, faults and limits)
        and their tools: their settings live in `[tool.loadspec.stub]`."""
        return self in (Command.STUB, Command.MOCK, Command.LISTEN)


class Kind(enum.StrEnum):
    """How an option takes its value."""

    VALUE = "value"
    """`--name TEXT`; the last source given wins (command line, environment, config, default)."""
    FLAG = "flag"
    """`--name`: true when given (`LOADSPEC_NAME=1`, `name = true`)."""
    REPEAT = "repeat"
    """`--name TEXT`, repeatable; the values of every source add up."""
    ENV = "env"
    """A setting read from the environment only (a secret, or a locustfile's default)."""
    REST = "rest"
    """The rest of the command line, for another program (`loadspec load`'s Locust options)."""


@dataclass(frozen=True, slots=True)
class Option:
    """One option or setting.

    Attributes:
        name: the long flag (`--think-time`), or the variable of an ENV setting.
        help: one line; `%` is written `%%` (argparse formats it).
        commands: where it is taken.
        kind: how it takes its value.
        parse: a value's text (and the option's name, for messages) to the value; None: the
            text as is.
        default: the value's text when nothing gives one (False for a flag).
        metavar: the value's placeholder in help.
        group: the help section it is listed in.
        choices: the only texts allowed, if so limited.
        web_ui: shown, editable, on the start form of Locust's web UI (takes effect at start).
        secret: never shown: not in argv, help, web UI or reports.
        config: may be set in `[tool.loadspec]` (or its `stub` table).
        positional: on `loadspec` subcommands, taken as `PATH ...` rather than `--name`.
        hidden: left out of help (an internal handshake).
        short: a one-letter alias (`-v`).
        field: the attribute it fills, where not the name's (`--business-uid`).
        variable: its environment variable where the rule does not give it ("" for none).
    """

    name: str
    help: str
    commands: frozenset[Command]
    kind: Kind = Kind.VALUE
    parse: Callable[[Any, str], Any] | None = None
    default: str | bool | None = None
    metavar: str | None = None
    group: str = "options"
    choices: tuple[str, ...] = ()
    web_ui: bool = False
    secret: bool = False
    config: bool = True
    positional: bool = False
    hidden: bool = False
    short: str | None = None
    field: str | None = None
    variable: str | None = None

    @property
    def key(self) -> str:
        """Its name in `[tool.loadspec]` and in messages: `think-time`."""
        return self.name.removeprefix("--")

    @property
    def dest(self) -> str:
        """The attribute it fills on parsed options: `think_time`."""
        return self.field or self.key.replace("-", "_")

    @property
    def env(self) -> str | None:
        """Its environment variable, by one rule: LOADSPEC_, STUB_ for the gateway's own
        options, the name upper-cased, an S for a repeatable one (values comma-separated)."""
        if self.variable is not None:
            return self.variable or None
        stub = "STUB_" if all(c.is_stub for c in self.commands) else ""
        plural = "S" if self.kind is Kind.REPEAT else ""
        return f"{ENV_PREFIX}{stub}{self.key.upper().replace('-', '_')}{plural}"

    def takes(self, command: Command) -> bool:
        """Whether `command` takes this option."""
        return command in self.commands

    def value(self, text: Any, what: str | None = None) -> Any:
        """The parsed value of one text (`ConfigError` naming `what`, else the option)."""
        what = what or self.name
        if text is None or self.kind is Kind.FLAG:
            return text
        if self.choices and str(text) not in self.choices:
            raise ConfigError(f"{what} {text!r}: expected one of {', '.join(self.choices)}")
        return str(text) if self.parse is None else self.parse(text, what)


def split_values(text: str) -> list[str]:
    """A repeatable option's values in one variable: separated by commas or new lines."""
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def by_dest(options: Iterable[Option]) -> Mapping[str, Option]:
    """The options by the attribute each fills."""
    return {option.dest: option for option in options}


def taken_by(options: Iterable[Option], command: Command) -> Iterator[Option]:
    """The options `command` takes, in table order."""
    return (option for option in options if option.takes(command))
