"""Load profiles: `stages:` of users or arrival rates, and the named shapes, as plain stages."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadspec.config.units import parse_duration, parse_rate
from loadspec.errors import ConfigError
from loadspec.files import FileRefused, read_regular
from loadspec.language.sourcemap import Location, SourceMap, format_location
from loadspec.language.values import unknown

__all__ = ["Profile", "Stage", "load_profile", "profile_from"]

_MAX_BYTES = 2**20  # a profile is a few stages: anything bigger is not one
_KEYS = {
    None: frozenset({"duration", "users", "spawn_rate", "rate"}),
    "steady": frozenset({"shape", "duration", "users", "spawn_rate"}),
    "ramp": frozenset({"shape", "duration", "from", "to"}),
    "spike": frozenset({"shape", "duration", "users", "peak", "spike"}),
    "step": frozenset({"shape", "users", "steps", "every"}),
}


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage: so many users (or iterations per second) for so long.

    Attributes:
        duration: seconds.
        users: users to run (with `rate`: the most users the rate may use; 0: --max-users).
        spawn_rate: users started (or stopped) per second on the way to `users`.
        rate: the run's iterations per second (an arrival-rate stage), or None.
    """

    duration: float
    users: int
    spawn_rate: float
    rate: float | None = None


@dataclass(frozen=True, slots=True)
class Profile:
    """A run's stages, in order; the run ends with the last."""

    stages: tuple[Stage, ...]

    @property
    def duration(self) -> float:
        """Seconds the whole profile lasts."""
        return sum(stage.duration for stage in self.stages)

    def at(self, elapsed: float) -> Stage | None:
        """The stage running `elapsed` seconds into the run (None: the profile is over)."""
        for stage in self.stages:
            if elapsed < stage.duration:
                return stage
            elapsed -= stage.duration
        return None


def load_profile(path: Path) -> Profile:
    """The profile of a YAML file whose `stages:` is a list (`ConfigError`: file:line: why)."""
    from loadspec.language.yamlmarks import load_marked

    try:
        text = read_regular(path, _MAX_BYTES).decode("utf-8")
    except FileRefused as exc:
        raise ConfigError(f"--load-profile {path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--load-profile {path}: not UTF-8 (byte {exc.start + 1})") from None
    marked = load_marked(text)
    if marked.problems:
        raise ConfigError(f"{path}:{marked.problems[0].line}: {marked.problems[0].message}")
    return profile_from(marked.value, str(path), marked.source)


def profile_from(data: Any, where: str, source: SourceMap | None = None) -> Profile:
    """The profile of plain data (a YAML file's, or `[tool.loadspec.profile]`)."""
    lines = source or SourceMap()

    def fail(location: Location, message: str) -> ConfigError:
        line = lines.line(location)
        place = f"{where}:{line}" if line else f"{where}: {format_location(location)}"
        return ConfigError(f"{place}: {message}")

    if not isinstance(data, Mapping) or not isinstance(data.get("stages"), list):
        raise fail((), "a profile is a mapping whose stages: is a list of stages")
    if not data["stages"]:
        raise fail(("stages",), "stages: is empty")
    for key in data:
        if key != "stages":
            raise fail((key,), unknown("profile key", str(key), ["stages"]))
    stages: list[Stage] = []
    for index, raw in enumerate(data["stages"]):
        try:
            stages += _stages(raw)
        except ConfigError as exc:
            raise fail(("stages", index), str(exc)) from None
    return Profile(tuple(stages))


def _stages(raw: Any) -> list[Stage]:
    if not isinstance(raw, Mapping):
        raise ConfigError("a stage is a mapping: {duration: 30s, users: 50}")
    shape = raw.get("shape")
    if shape not in _KEYS:
        raise ConfigError(unknown("shape", str(shape), [k for k in _KEYS if k]))
    for key in raw:
        if key not in _KEYS[shape]:
            raise ConfigError(unknown(f"{shape or 'stage'} key", str(key), sorted(_KEYS[shape])))
    if shape == "ramp":
        return [
            _plain({**raw, "users": raw.get("to"), "shape": None}, ramp_from=raw.get("from", 0))
        ]
    if shape == "spike":
        return _spike(raw)
    if shape == "step":
        return _step(raw)
    return [_plain(raw)]


def _plain(raw: Mapping[str, Any], ramp_from: Any = None) -> Stage:
    duration = _duration(raw.get("duration"))
    if raw.get("rate") is not None:
        if raw.get("users") is not None:
            raise ConfigError("a stage has users: or rate:, not both")
        return Stage(duration, 0, 0.0, parse_rate(raw["rate"]))
    users = _count(raw.get("users"), "users")
    if ramp_from is not None:
        start = _count(ramp_from, "from", least=0)
        return Stage(duration, users, max(abs(users - start) / duration, 0.1))
    spawn_rate = raw.get("spawn_rate", users)
    if isinstance(spawn_rate, bool) or not isinstance(spawn_rate, int | float) or spawn_rate <= 0:
        raise ConfigError(
            f"spawn_rate must be a number of users per second > 0, not {spawn_rate!r}"
        )
    return Stage(duration, users, float(spawn_rate))


def _spike(raw: Mapping[str, Any]) -> list[Stage]:
    duration = _duration(raw.get("duration"))
    spike = _duration(raw.get("spike", f"{duration / 5:g}s"))
    if spike >= duration:
        raise ConfigError("a spike's spike: must be shorter than its duration")
    base, peak = _count(raw.get("users"), "users"), _count(raw.get("peak"), "peak")
    calm = (duration - spike) / 2
    return [Stage(calm, base, base), Stage(spike, peak, peak), Stage(calm, base, peak)]


def _step(raw: Mapping[str, Any]) -> list[Stage]:
    users, steps = _count(raw.get("users"), "users"), _count(raw.get("steps"), "steps")
    every = _duration(raw.get("every"))
    return [Stage(every, users * n, users) for n in range(1, steps + 1)]


def _duration(value: Any) -> float:
    if value is None:
        raise ConfigError("a stage needs a duration: (30s, 2m)")
    if isinstance(value, str) and value.strip().startswith("-"):
        raise ConfigError(f"duration {value!r} must not be negative")
    seconds = parse_duration(value)
    if seconds <= 0 or math.isinf(seconds):
        raise ConfigError(f"duration {value!r} must be more than zero")
    return seconds


def _count(value: Any, what: str, least: int = 1) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= least:
        return value
    raise ConfigError(f"{what} must be a whole number >= {least}, not {value!r}")
