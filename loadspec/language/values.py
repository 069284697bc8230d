"""Typed values read from plain data, with every mistake recorded at its line."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, TypeVar

from loadspec.errors import Severity, did_you_mean
from loadspec.language.loader import RawSpec
from loadspec.language.sourcemap import Location

__all__ = ["ValueReader", "kind_of", "unknown"]

E = TypeVar("E", bound=enum.Enum)


def unknown(what: str, found: str, choices: Any) -> str:
    """`unknown HTTP method 'POTS'; did you mean 'POST'?` (or the list of choices)."""
    names = [str(c) for c in choices]
    hint = did_you_mean(found, names, cutoff=0.6)
    suffix = f"; did you mean {hint!r}?" if hint else f" (expected one of: {', '.join(names)})"
    return f"unknown {what} {found!r}{suffix}"


def kind_of(value: Any) -> str:
    """What a value is, in the words of a message: `a mapping`, `text`, `a list`..."""
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")


class ValueReader:
    """Reads typed values from one raw spec; a value of the wrong kind is a problem, not a crash."""

    def __init__(self, raw: RawSpec) -> None:
        self.raw = raw

    def error(self, location: Location, message: str) -> None:
        self.raw.problem(location, message)

    def warn(self, location: Location, message: str) -> None:
        self.raw.problem(location, message, Severity.WARNING)

    def unknown_key(self, what: str, key: str, known: frozenset[str]) -> str:
        hint = did_you_mean(key, known, cutoff=0.6)
        suffix = f" (did you mean {hint!r}?)" if hint else ""
        return f"unknown {what} {key!r}{suffix}; kept as written"

    def enum(self, location: Location, value: Any, kind: type[E], what: str) -> E | None:
        if isinstance(value, str):
            try:
                return kind(value.strip().lower())
            except ValueError:
                pass
        self.error(location, unknown(what, str(value), [m.value for m in kind]))
        return None

    def text(self, location: Location, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.error(location, f"{location[-1]} must be text, found {kind_of(value)}")
        return None

    def text_list(self, location: Location, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            return tuple(str(v) for v in value)
        self.error(location, f"{location[-1]} must be a list of names, found {kind_of(value)}")
        return ()

    def flag(self, location: Location, value: Any) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        self.error(location, f"{location[-1]} must be true or false, found {value!r}")
        return False

    def mapping(self, location: Location, value: Any, what: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return value
        self.error(location, f"{what} must be a mapping, found {kind_of(value)}")
        return {}

    def millis(self, location: Location, value: Any, default: float) -> float:
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        what = ".".join(str(k) for k in location[-2:] if isinstance(k, str))
        self.error(
            location, f"{what} must be a non-negative number of milliseconds, found {value!r}"
        )
        return default
