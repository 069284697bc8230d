"""A load profile as a Locust `LoadTestShape`: web UI, headless and distributed runs follow it."""

from __future__ import annotations

import math
from typing import Any

from locust import LoadTestShape

from loadspec.config.load import LoadModel
from loadspec.language.profile import Profile, Stage

__all__ = ["profile_shape"]


class _ProfileShape(LoadTestShape):
    """Runs the profile's stages in order; the run ends with the last."""

    abstract = True
    profile: Profile
    max_users: int | None = None

    def tick(self) -> tuple[int, float] | None:
        stage = self.profile.at(self.get_run_time())
        if stage is None:
            return None
        return self.users(stage), stage.spawn_rate or self.users(stage)

    def users(self, stage: Stage) -> int:
        """The users a stage runs (a rate stage: --max-users, or one per iteration a second)."""
        if stage.rate is None:
            return stage.users
        return self.max_users or max(1, math.ceil(stage.rate))


def profile_shape(model: LoadModel) -> dict[str, type[Any]]:
    """The shape class for the locustfile's globals (none without a profile).

    Locust takes the first non-abstract LoadTestShape subclass among a locustfile's globals
    and instantiates it, so the class is made here, one per run.
    """
    if model.profile is None:
        return {}
    attributes = {"abstract": False, "profile": model.profile, "max_users": model.max_users}
    return {"LoadspecProfile": type("LoadspecProfile", (_ProfileShape,), attributes)}
