"""Each process's share of the run: its worker index and how many workers there are.

The master sends every worker its share when the test starts (from a greenlet of its own,
as Locust sends its spawn messages: sent from the main greenlet while it dispatches users,
a message could stall the workers). A worker's users wait for it before their first
iteration (`Workload.begin`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadspec.language.profile import Profile, Stage
from loadspec.locust.load_options import LoadModel

__all__ = ["DONE", "SHARE", "Share", "hand_out_shares"]

SHARE = "loadspec_share"
DONE = "loadspec_done"


@dataclass(frozen=True, slots=True)
class Share:
    """One process's part of the run, and the master's load model for workers to follow.

    Attributes:
        index: this worker's index (0 when local).
        count: how many workers share the run (1 when local).
        iterations: the run's --iterations, if any.
        arrival_rate: the run's --arrival-rate, if any.
        stages: the profile's stages as (duration, users, spawn_rate, rate).
    """

    index: int = 0
    count: int = 1
    iterations: int | None = None
    arrival_rate: float | None = None
    stages: tuple[tuple[float, int, float, float | None], ...] = ()

    @classmethod
    def of_model(cls, model: LoadModel, index: int = 0, count: int = 1) -> Share:
        """The share of worker `index` of `count` in a run of `model`."""
        stages = model.profile.stages if model.profile else ()
        plain = tuple((s.duration, s.users, s.spawn_rate, s.rate) for s in stages)
        return cls(index, count, model.iterations, model.arrival_rate, plain)

    def model(self, own: LoadModel) -> LoadModel:
        """The load model this share says (a worker's own think time and max users kept)."""
        profile = Profile(tuple(Stage(*s) for s in self.stages)) if self.stages else None
        return replace(
            own, iterations=self.iterations, arrival_rate=self.arrival_rate, profile=profile
        )

    def of(self, total: int) -> int:
        """This process's part of `total` (the first ones take the remainder)."""
        return total // self.count + (1 if self.index < total % self.count else 0)


def hand_out_shares(
    environment: Environment, model: LoadModel, receive: Callable[[Share], None]
) -> None:
    """Call `receive` with this process's share at each test start (workers: from the master)."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(SHARE, lambda msg, **_: receive(_share(msg.data)))
        return
    if isinstance(runner, MasterRunner):
        environment.events.test_start.add_listener(lambda **_: _send(runner, model))
        return
    environment.events.test_start.add_listener(lambda **_: receive(Share.of_model(model)))


def _share(data: dict[str, Any]) -> Share:
    stages = tuple(tuple(stage) for stage in data.pop("stages", ()))
    return Share(**data, stages=stages)


def _send(runner: MasterRunner, model: LoadModel) -> None:
    workers = runner.clients.ready + runner.clients.running + runner.clients.spawning
    ordered = sorted(workers, key=lambda client: runner.get_worker_index(client.id))
    for index, client in enumerate(ordered):
        data = asdict(Share.of_model(model, index, len(ordered)))
        # Sent as Locust sends its spawn messages: from a greenlet of its own.
        gevent.spawn_later(0, runner.send_message, SHARE, data, client_id=client.id)
