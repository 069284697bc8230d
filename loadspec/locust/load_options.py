"""The load model's options: think time, pacing, rate, iterations, profile, arrival rate."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadspec.errors import ConfigError
from loadspec.inputs.variables import project_config
from loadspec.language.model import Pace, PaceKind
from loadspec.language.pace import parse_pace, parse_rate
from loadspec.language.profile import Profile, load_profile, profile_from

__all__ = ["DEFAULT_RATE_ENV", "LoadModel", "add_load_arguments", "load_model"]

DEFAULT_RATE_ENV = "LOADSPEC_DEFAULT_ARRIVAL_RATE"
"""A locustfile's default arrival rate, used when the run shapes its load in no other way."""

# option, PaceKind, metavar, help
_PACES = (
    ("--think-time", PaceKind.THINK, "TIME[-TIME]", "a pause after each iteration: 1s, 0.5s-2s"),
    ("--pacing", PaceKind.PACING, "TIME", "an iteration starts every TIME per user: 2s"),
    ("--user-rate", PaceKind.RATE, "N/s", "iterations per second per user: 5/s"),
)


def add_load_arguments(group: Any) -> None:
    """Register the load model's options (each also LOADSPEC_<NAME> and a config entry)."""
    for option, kind, metavar, text in _PACES:
        group.add_argument(
            option,
            env_var=_env(option),
            default=None,
            metavar=metavar,
            help=f"{text}; a spec's own {kind.value}: wins (default: none)",
        )
    _add(group, "--iterations", "N", "end the run after N Test Request iterations in all")
    _add(group, "--load-profile", "FILE", "a YAML file of stages: (or [tool.loadspec.profile])")
    _add(group, "--arrival-rate", "N/s", "keep the run's iterations per second at N (open model)")
    group.add_argument(
        "--max-users",
        env_var="LOADSPEC_MAX_USERS",
        type=int,
        default=None,
        metavar="N",
        help="with --arrival-rate or rate: stages: the most users it may run (default: -u)",
    )


def _add(group: Any, option: str, metavar: str, text: str) -> None:
    group.add_argument(option, env_var=_env(option), default=None, metavar=metavar, help=text)


def _env(option: str) -> str:
    return "LOADSPEC_" + option[2:].upper().replace("-", "_")


@dataclass(frozen=True, slots=True)
class LoadModel:
    """How the run's load is shaped.

    Attributes:
        pace: the run's wait between iterations per user (a spec's own wins), if any.
        iterations: Test Request iterations the whole run makes, then ends (None: no limit).
        profile: the stages the run follows, then ends (None: -u, -r and -t).
        arrival_rate: iterations per second the whole run keeps (None: closed model).
        max_users: the most users an arrival rate may run.
    """

    pace: Pace | None = None
    iterations: int | None = None
    profile: Profile | None = None
    arrival_rate: float | None = None
    max_users: int | None = None

    @property
    def open(self) -> bool:
        """Whether iterations start on a schedule (an arrival rate, or rate: stages)."""
        stages = self.profile.stages if self.profile else ()
        return self.arrival_rate is not None or any(s.rate is not None for s in stages)


def load_model(options: Any, starts: tuple[Path, ...] = ()) -> LoadModel:
    """The load model of parsed options (`ConfigError` for any that makes no sense)."""
    paces = [
        parse_pace(kind, text)
        for option, kind, _, _ in _PACES
        if (text := getattr(options, option[2:].replace("-", "_"), None))
    ]
    if len(paces) > 1:
        raise ConfigError("give one of --think-time, --pacing and --user-rate")
    profile = _profile(getattr(options, "load_profile", None), starts)
    rate = getattr(options, "arrival_rate", None)
    if not (rate or paces or profile):
        rate = os.environ.get(DEFAULT_RATE_ENV) or None
    model = LoadModel(
        pace=paces[0] if paces else None,
        iterations=_iterations(getattr(options, "iterations", None)),
        profile=profile,
        arrival_rate=parse_rate(rate, "--arrival-rate") if rate else None,
        max_users=_max_users(options),
    )
    if model.profile is not None and model.arrival_rate is not None:
        raise ConfigError("give --arrival-rate or --load-profile (rate: stages), not both")
    return model


def _iterations(text: Any) -> int | None:
    if text is None or text == "":
        return None
    try:
        count = int(str(text))
    except ValueError:
        count = 0
    if count < 1:
        raise ConfigError(f"--iterations {text!r} must be a whole number >= 1")
    return count


def _profile(path: Any, starts: tuple[Path, ...]) -> Profile | None:
    if path:
        return load_profile(Path(path))
    section = project_config(Path.cwd(), *starts).get("profile")
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise ConfigError("[tool.loadspec.profile] must be a table with stages = [...]")
    return profile_from(section, "pyproject.toml [tool.loadspec.profile]")


def _max_users(options: Any) -> int | None:
    given = getattr(options, "max_users", None)
    if given is not None and given < 1:
        raise ConfigError(f"--max-users must be at least 1, got {given}")
    return given if given is not None else getattr(options, "num_users", None)
