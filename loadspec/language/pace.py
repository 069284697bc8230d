"""Durations (`500ms`, `2s`, `1m`), rates (`5/s`) and a user's pace, parsed from text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from loadspec.errors import ConfigError
from loadspec.language.model import Pace, PaceKind
from loadspec.language.values import ValueReader

__all__ = ["parse_duration", "parse_pace", "parse_rate", "read_pace"]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0}
_PER = {"s": 1.0, "m": 60.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m)")
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(s|m)")


def parse_duration(text: object, what: str = "duration") -> float:
    """Seconds in `500ms`, `1.5s`, `2m` (`ConfigError` for anything else)."""
    found = _DURATION.fullmatch(str(text).strip())
    if found is None or isinstance(text, bool):
        raise ConfigError(f"{what} {text!r} is not a duration: a number and ms, s or m (2s)")
    return float(found[1]) * _UNITS[found[2]]


def parse_rate(text: object, what: str = "rate") -> float:
    """Per second in `5/s`, `300/m`; more than zero (`ConfigError` otherwise)."""
    found = _RATE.fullmatch(str(text).strip())
    if found is None or isinstance(text, bool):
        raise ConfigError(f"{what} {text!r} is not a rate: a number per s or m (5/s)")
    value = float(found[1]) / _PER[found[2]]
    if value <= 0:
        raise ConfigError(f"{what} {text!r} must be more than zero")
    return value


def parse_pace(kind: PaceKind, text: object) -> Pace:
    """`thinkTime: 1s` or `0.5s-2s`, `pacing: 2s`, `rate: 5/s` as a Pace."""
    written = str(text).strip()
    if kind is PaceKind.RATE:
        return Pace(kind, parse_rate(text, kind.value), text=written)
    if kind is PaceKind.PACING:
        seconds = parse_duration(text, kind.value)
        if seconds <= 0:
            raise ConfigError(f"pacing {text!r} must be more than zero")
        return Pace(kind, seconds, seconds, written)
    low_text, _, high_text = written.partition("-")
    low = parse_duration(low_text, kind.value)
    high = parse_duration(high_text, kind.value) if high_text else low
    if high < low:
        raise ConfigError(f"thinkTime {written!r}: the range's end is less than its start")
    return Pace(kind, low, high, written)


def read_pace(reader: ValueReader, front: Mapping[str, Any]) -> Pace | None:
    """The front matter's `thinkTime`, `pacing` or `rate` (at most one), problems at their line."""
    given = [kind for kind in PaceKind if front.get(kind.value) is not None]
    if len(given) > 1:
        names = ", ".join(kind.value for kind in given)
        reader.error(
            (given[1].value,), f"give one of {names}: each sets the wait between iterations"
        )
    if not given:
        return None
    try:
        return parse_pace(given[0], front[given[0].value])
    except ConfigError as exc:
        reader.error((given[0].value,), str(exc))
        return None
