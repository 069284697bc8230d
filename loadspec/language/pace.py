"""A pace (`thinkTime`, `pacing` or `rate`): a spec's own, in its front matter, or a run's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadspec.config.units import parse_duration, parse_rate
from loadspec.errors import ConfigError
from loadspec.language.model import Pace, PaceKind
from loadspec.language.values import ValueReader

__all__ = ["parse_pace", "read_pace"]


def parse_pace(kind: PaceKind | str, text: object, what: str | None = None) -> Pace:
    """`1s` or `0.5s-2s` (think time), `2s` (pacing), `5/s` (rate) as a Pace."""
    kind = PaceKind(kind)
    what = what or kind.value
    written = str(text).strip()
    if kind is PaceKind.RATE:
        return Pace(kind, parse_rate(text, what), text=written)
    if kind is PaceKind.PACING:
        seconds = parse_duration(text, what)
        if seconds <= 0:
            raise ConfigError(f"{what} {text!r} must be more than zero")
        return Pace(kind, seconds, seconds, written)
    low_text, _, high_text = written.partition("-")
    low = parse_duration(low_text, what)
    high = parse_duration(high_text, what) if high_text else low
    if high < low:
        raise ConfigError(f"{what} {written!r}: the range's end is less than its start")
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
