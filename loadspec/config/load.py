"""The load model a run's options give: think time, pacing, iterations, stages, arrival rate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadspec.config import units
from loadspec.config.project import Project
from loadspec.errors import ConfigError
from loadspec.language.model import Pace
from loadspec.language.profile import Profile, load_profile, profile_from

__all__ = ["DEFAULT_RATE_ENV", "LoadModel", "load_model"]

DEFAULT_RATE_ENV = "LOADSPEC_DEFAULT_ARRIVAL_RATE"
"""A locustfile's default arrival rate, used when the run shapes its load in no other way."""
_PACES = ("think_time", "pacing", "user_rate")


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


def load_model(
    values: Mapping[str, Any],
    project: Project,
    environ: Mapping[str, str],
    users: int | None = None,
) -> LoadModel:
    """The load model of the parsed option values (`ConfigError` for one that makes no sense);
    `users` is the run's -u (the default most users)."""
    paces = [values[name] for name in _PACES if values.get(name) is not None]
    if len(paces) > 1:
        raise ConfigError("give one of --think-time, --pacing and --user-rate")
    profile = _profile(values.get("load_profile"), project)
    rate = values.get("arrival_rate")
    if rate is None and not (paces or profile) and environ.get(DEFAULT_RATE_ENV):
        rate = units.parse_rate(environ[DEFAULT_RATE_ENV], DEFAULT_RATE_ENV)
    model = LoadModel(
        pace=paces[0] if paces else None,
        iterations=values.get("iterations"),
        profile=profile,
        arrival_rate=rate,
        max_users=values.get("max_users") or users,
    )
    if model.profile is not None and model.arrival_rate is not None:
        raise ConfigError("give --arrival-rate or --load-profile (rate: stages), not both")
    return model


def _profile(path: str | None, project: Project) -> Profile | None:
    if path:
        return load_profile(Path(path))
    if project.profile is None:
        return None
    return profile_from(project.profile, f"{project.path} [tool.loadspec.profile]")
