"""An arrival rate's users, added up to --max-users while the schedule falls behind."""

from __future__ import annotations

import logging

import pytest
from locust.runners import STATE_RUNNING, STATE_SPAWNING, STATE_STOPPED

from loadspec.config.load import LoadModel
from loadspec.language.model import Pace, PaceKind
from loadspec.language.profile import Profile, Stage
from loadspec.locust.growth import _grow, grow_with_the_schedule
from tests.load_model.stand_ins import Alone, Clock, Environment, Master, Stopped, Worker, script


def grow(runner: Alone | Master, most: int, *missed: int) -> list[tuple[int, float]]:
    """The users `_grow` starts while `missed()` reads `missed` in turn (the first before any
    check), as (users, spawn rate)."""
    with pytest.raises(Stopped):
        _grow(runner, most, script(*missed))
    return runner.starts


def test_users_are_added_as_starts_are_missed(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Each check adds as many users as starts found no free user since the last (one for one),
    started at once; a check with none missed adds nobody."""
    with caplog.at_level(logging.WARNING, logger="loadspec"):
        starts = grow(Alone(users=1), 8, 2, 5, 5, 6)
    assert starts == [(4, 3), (5, 1)]
    assert "found no free user): 1 -> 4 users (--max-users 8)" in caplog.text
    assert clock.slept == [1.0] * 4


def test_users_are_never_more_than_max_users(clock: Clock) -> None:
    """10 starts missed with 6 of at most 8 users: 8, and no more however far behind."""
    assert grow(Alone(users=6), 8, 0, 10, 30, 50) == [(8, 2)]
    assert grow(Alone(users=8), 8, 0, 10) == []


def test_growth_counts_from_the_users_asked_for(clock: Clock) -> None:
    """While users are still spawning towards a target, the target is the count to add to."""
    runner = Alone(users=2)
    runner.target_user_count = 5
    assert grow(runner, 10, 0, 2) == [(7, 2)]


@pytest.mark.parametrize("state", [STATE_SPAWNING, STATE_STOPPED])
def test_no_users_are_added_while_the_run_is_not_running(clock: Clock, state: str) -> None:
    """Spawning or stopped: missed starts add nobody, then or later."""
    runner = Alone(users=1, state=state)
    with pytest.raises(Stopped):
        _grow(runner, 8, script(0, 4, 9))
    runner.state = STATE_RUNNING
    assert grow(runner, 8, 9, 9) == []


def test_a_master_checks_as_often_as_its_workers_report(clock: Clock) -> None:
    """Workers report every 3 s: the master checks every 3 s, not every second."""
    assert grow(Master({"w-a": 0}, users=2), 8, 0, 3) == [(5, 3)]
    assert clock.slept == [3.0, 3.0]


RATE = LoadModel(arrival_rate=20.0, max_users=8)


@pytest.mark.parametrize(
    "model",
    [
        LoadModel(pace=Pace(PaceKind.THINK, 1.0, 1.0, "1s"), max_users=8),
        LoadModel(profile=Profile((Stage(5.0, 0, 1.0, 10.0),)), max_users=8),
        LoadModel(arrival_rate=20.0),
    ],
    ids=["closed", "profile", "no-max-users"],
)
def test_only_an_arrival_rate_with_max_users_grows(clock: Clock, model: LoadModel) -> None:
    """A closed model, a profile (its stages say their users) or no --max-users: no watch."""
    environment = Environment(Alone())
    grow_with_the_schedule(environment, lambda: model, script())  # type: ignore[arg-type]
    environment.events.test_start.fire()
    assert clock.spawned == []


def test_a_worker_never_grows(clock: Clock) -> None:
    """Users are added by the master (or a lone process), which spreads them."""
    environment = Environment(Worker())
    grow_with_the_schedule(environment, lambda: RATE, script())  # type: ignore[arg-type]
    environment.events.test_start.fire()
    assert clock.spawned == []


def test_the_watch_follows_each_start_and_stops_with_the_test(clock: Clock) -> None:
    """Each start reads the model as it is then (the web UI may change it); a stop, or the next
    start, ends the watch before."""
    environment, missed = Environment(Alone()), script()
    models = [LoadModel(), RATE, RATE]
    grow_with_the_schedule(environment, lambda: models.pop(0), missed)  # type: ignore[arg-type]
    events = environment.events
    events.test_start.fire()
    assert clock.spawned == []
    events.test_start.fire()
    (first,) = clock.spawned
    assert (first.function, first.args) == (_grow, (environment.runner, 8, missed))
    events.test_start.fire()
    assert first.killed and not clock.spawned[-1].killed
    events.test_stop.fire()
    assert clock.spawned[-1].killed
