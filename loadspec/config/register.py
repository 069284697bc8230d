"""The table on a parser, and back: the only place options meet argparse or Locust's parser.

`add_options` registers a command's options. On a `loadspec` subcommand (argparse) every
default is None, and `option_values` fills what the command line left out from the
environment, then `[tool.loadspec]`, then the table. On Locust's parser (configargparse) the
defaults are `[tool.loadspec]`'s or the table's, so the web UI's start form shows them, and
Locust itself reads the variables and its config files (`locust.conf`, `[tool.locust]`).
A repeatable option's values add up from every source.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from typing import Any

from loadspec.config.options import OPTIONS
from loadspec.config.table import Command, Kind, Option, split_values, taken_by
from loadspec.errors import ConfigError

__all__ = ["add_options", "option_values", "raw_value"]

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def add_options(
    parser: Any,
    command: Command,
    *,
    defaults: Mapping[str, Any] | None = None,
    locust: bool = False,
) -> None:
    """Register every option `command` takes on `parser` (Locust's when `locust`)."""
    groups: dict[str, Any] = {}
    for option in taken_by(OPTIONS, command):
        if option.kind is Kind.ENV:
            continue
        group = groups.get(option.group)
        if group is None:
            title = f"loadspec: {option.group}" if locust else option.group
            group = groups[option.group] = parser.add_argument_group(title)
        words = _keywords(option, defaults, locust)
        if option.positional and command is Command.LOAD and option.kind is not Kind.REST:
            words["nargs"] = "?"  # one PATH[,PATH]: what follows is Locust's
        action = group.add_argument(*_flags(option, locust), **words)
        if locust:
            # Set on the action, not passed: a group's add_argument is argparse's own, and
            # Locust's web UI reads these attributes (`ui_extra_args_dict`).
            action.include_in_web_ui = option.web_ui and not option.secret
            action.is_secret = option.secret
            action.is_required = action.is_multiple = False


def _flags(option: Option, locust: bool) -> tuple[str, ...]:
    if option.positional and not locust:
        return (option.dest,)
    return (option.short, option.name) if option.short else (option.name,)


def _keywords(option: Option, defaults: Mapping[str, Any] | None, locust: bool) -> dict[str, Any]:
    words: dict[str, Any] = {"help": argparse.SUPPRESS if option.hidden else option.help}
    if option.kind is Kind.REST:
        return words | {"nargs": argparse.REMAINDER, "metavar": option.metavar}
    if option.positional and not locust:
        return words | {"nargs": "*", "metavar": option.metavar}
    words["dest"] = option.dest
    if option.kind is Kind.FLAG:
        words["action"] = "store_true"
    else:
        words["metavar"] = option.metavar
        words["choices"] = option.choices or None
    if option.kind is Kind.REPEAT:
        # None, not []: Locust's web UI turns a field whose value is an empty list into ints.
        return words | {"action": "append", "default": None}
    words["default"] = _default(option, defaults) if locust else None
    if locust and option.env is not None and "<" not in option.env:
        words["env_var"] = option.env
    return words


def _default(option: Option, defaults: Mapping[str, Any] | None) -> Any:
    given = (defaults or {}).get(option.dest)
    return option.default if given is None else given


def raw_value(
    option: Option,
    given: Any,
    project: Mapping[str, Any],
    environ: Mapping[str, str],
) -> Any:
    """One option's text (a list for a repeatable one, a bool for a flag), every source seen."""
    if option.kind is Kind.REPEAT:
        from_env = split_values(environ.get(option.env or "", "")) if _plain(option) else []
        # A start from Locust's web UI gives its field's text (comma-separated) as it is.
        given = split_values(given) if isinstance(given, str) else given or ()
        return [*project.get(option.dest, ()), *from_env, *given]
    if given is not None and given != []:
        return given
    text = environ.get(option.env or "", "").strip() if _plain(option) else ""
    if text:
        return _truth(option, text) if option.kind is Kind.FLAG else text
    found = project.get(option.dest)
    return option.default if found is None else found


def _plain(option: Option) -> bool:
    return option.env is not None and "<" not in option.env


def _truth(option: Option, text: str) -> bool:
    word = text.strip().lower()
    if word not in _TRUE | _FALSE:
        raise ConfigError(f"{option.env}={text!r}: expected 1, true, yes, 0, false or no")
    return word in _TRUE


def option_values(
    parsed: Any,
    command: Command,
    project: Mapping[str, Any],
    environ: Mapping[str, str],
    only: Iterable[Option] | None = None,
) -> dict[str, Any]:
    """Every option `command` takes, parsed (`ConfigError` naming the first bad one)."""
    values: dict[str, Any] = {}
    for option in only if only is not None else taken_by(OPTIONS, command):
        if option.kind is Kind.ENV:
            continue
        if option.kind is Kind.REST:
            values[option.dest] = tuple(getattr(parsed, option.dest, None) or ())
            continue
        raw = raw_value(option, getattr(parsed, option.dest, None), project, environ)
        if option.kind is Kind.REPEAT:
            values[option.dest] = tuple(option.value(text) for text in raw)
        elif option.kind is Kind.FLAG:
            values[option.dest] = bool(raw)
        else:
            values[option.dest] = option.value(raw)
    return values
