"""An arrival rate's users, added up to --max-users while the schedule falls behind.

Under `--arrival-rate` (without a profile, whose stages say their own users) the run starts
with `-u` users. Each check, when iteration starts found no free user since the last one,
the runner starts more users (as many as the missed starts, at least one, at most
`--max-users` in all): slower responses take more users to keep the same rate. A master
adds them across its workers (Locust spreads them); the missed starts it sees are the
workers' reports, every few seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_RUNNING, MasterRunner, WorkerRunner

from loadspec.config.load import LoadModel

__all__ = ["grow_with_the_schedule"]

_log = logging.getLogger("loadspec")
_EVERY_S = 1.0
_EVERY_MASTER_S = 3.0  # Locust's workers report to the master every 3 s


def grow_with_the_schedule(
    environment: Environment, model_of: Callable[[], LoadModel], missed: Callable[[], int]
) -> None:
    """At each test start, watch `missed()` (starts that found no free user) and add users,
    when the model (`model_of()`, read at that start) is an arrival rate with --max-users."""
    runner = environment.runner
    if runner is None or isinstance(runner, WorkerRunner):
        return
    watching: list[Any] = []

    def stop(**_: Any) -> None:
        while watching:
            watching.pop().kill(block=False)

    def start(**_: Any) -> None:
        stop()
        model = model_of()
        if model.arrival_rate is None or model.profile is not None or model.max_users is None:
            return
        watching.append(gevent.spawn(_grow, runner, model.max_users, missed))

    environment.events.test_start.add_listener(start)
    environment.events.test_stop.add_listener(stop)


def _grow(runner: Any, most: int, missed: Callable[[], int]) -> None:
    every = _EVERY_MASTER_S if isinstance(runner, MasterRunner) else _EVERY_S
    seen = missed()
    while True:
        gevent.sleep(every)
        now = missed()
        behind, seen = now - seen, now
        users = int(getattr(runner, "target_user_count", 0) or runner.user_count)
        if runner.state != STATE_RUNNING or behind <= 0 or users >= most:
            continue
        more = min(most, users + behind)
        _log.warning(
            "loadspec: the arrival rate is behind (%d start(s) found no free user): "
            "%d -> %d users (--max-users %d)",
            behind,
            users,
            more,
            most,
        )
        runner.start(more, spawn_rate=more - users)
