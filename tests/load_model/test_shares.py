"""Each process's share of the run: how a master hands it out and a worker takes it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from loadspec.config.load import LoadModel
from loadspec.language.model import Pace, PaceKind
from loadspec.language.profile import Profile, Stage
from loadspec.locust.messages import MessageType
from loadspec.locust.shares import Share, Urls, _send, hand_out_shares
from tests.load_model.stand_ins import Alone, Clock, Environment, Master, Worker, give

URLS: Urls = ("http://127.0.0.1:8001", "http://127.0.0.1:8002")
THINK = Pace(PaceKind.THINK, 0.5, 2.0, "0.5s-2s")
STAGES = Profile((Stage(3.0, 2, 10.0), Stage(4.5, 0, 1.0, 20.0)))
WORKERS = {"w-a": 2, "w-b": 0, "w-c": 1}  # the workers' indexes, as they joined


@pytest.mark.parametrize("count", range(1, 8))
def test_a_total_is_split_with_the_remainder_first(count: int) -> None:
    """Every total splits into parts that sum to it, the first workers one more than the rest."""
    for total in range(50):
        parts = [Share(index, count).of(total) for index in range(count)]
        assert sum(parts) == total, (total, parts)
        assert parts == sorted(parts, reverse=True) and parts[0] - parts[-1] <= 1, parts


@pytest.mark.parametrize(
    "model",
    [
        LoadModel(pace=THINK, iterations=60, profile=STAGES),
        LoadModel(pace=Pace(PaceKind.RATE, 2.0, 2.0, "2/s"), arrival_rate=12.5),
    ],
)
def test_a_share_gives_a_worker_the_masters_model(clock: Clock, model: LoadModel) -> None:
    """Through Locust's wire format, a worker reads the master's pace, iterations, arrival rate,
    stages and URLs, and keeps its own most users."""
    runner, taken = Worker(), list[Share]()
    hand_out_shares(Environment(runner), _no_plan, taken.append)  # type: ignore[arg-type]
    give(runner, Share.of_model(model, 1, 3, URLS))
    assert taken == [Share.of_model(model, 1, 3, URLS)]
    (share,) = taken
    assert (share.index, share.count, (share.gateway_url, share.webhook_url)) == (1, 3, URLS)
    own = LoadModel(pace=Pace(PaceKind.PACING, 9.0), iterations=5, max_users=7)
    assert share.model(own) == replace(model, max_users=7)


def test_a_workers_own_pace_stays_when_the_master_has_none() -> None:
    """The master gives no pace: the worker's own; the master gives one: the master's."""
    own = LoadModel(pace=THINK, max_users=3)
    assert Share.of_model(LoadModel(iterations=5)).model(own) == replace(own, iterations=5)
    pacing = Pace(PaceKind.PACING, 2.0, 2.0, "2s")
    assert Share.of_model(LoadModel(pace=pacing)).model(own).pace == pacing


def test_the_master_gives_each_worker_its_index(clock: Clock) -> None:
    """Workers in any state are numbered in the order they joined, with the start's count."""
    runner = Master(WORKERS)
    _send(runner, lambda: (LoadModel(iterations=10), URLS), 4)
    clock.run_spawned()
    sent = {to: data for data, to in runner.of_type(MessageType.SHARE)}
    assert {to: (data["index"], data["count"]) for to, data in sent.items()} == {
        "w-b": (0, 3),
        "w-c": (1, 3),
        "w-a": (2, 3),
    }
    assert {data["generation"] for data in sent.values()} == {4}


def test_the_master_answers_only_after_a_start_and_only_who_asked(clock: Clock) -> None:
    """A request before the first start goes unanswered (the start hands the shares out); after
    it, only the worker that asked is answered, with that start's count."""
    runner = Master(WORKERS)
    environment = Environment(runner)
    hand_out_shares(environment, _plan, _never)  # type: ignore[arg-type]
    runner.deliver(MessageType.SHARE_REQUEST, node_id="w-c")
    clock.run_spawned()
    assert runner.sent == []
    environment.events.test_start.fire()
    clock.run_spawned()
    assert {to for _, to in runner.of_type(MessageType.SHARE)} == {"w-a", "w-b", "w-c"}
    runner.sent.clear()
    runner.deliver(MessageType.SHARE_REQUEST, node_id="w-c")
    clock.run_spawned()
    assert [(d["index"], d["generation"], to) for d, to in runner.of_type(MessageType.SHARE)] == [
        (1, 1, "w-c")
    ]
    environment.events.test_start.fire()
    clock.run_spawned()
    assert {d["generation"] for d, _ in runner.of_type(MessageType.SHARE)} == {1, 2}


def test_a_late_answer_never_replaces_a_share_taken(clock: Clock) -> None:
    """Shares from an older (or the same) test start are dropped; a newer one is taken."""
    runner, taken = Worker(), list[Share]()
    hand_out_shares(Environment(runner), _no_plan, taken.append)  # type: ignore[arg-type]
    give(runner, Share(0, 2, iterations=8), generation=2)
    give(runner, Share(1, 2, iterations=1), generation=1)  # the answer to an earlier request
    give(runner, Share(1, 2, iterations=2), generation=2)  # the same start, answered twice
    assert taken == [Share(0, 2, iterations=8)]
    give(runner, Share(1, 2, iterations=9), generation=3)
    assert taken[-1] == Share(1, 2, iterations=9)


def test_a_worker_asks_once_a_second_until_its_share_comes(clock: Clock) -> None:
    """The worker may join before it listens for shares: it asks, and stops once one came."""
    runner, taken = Worker(), list[Share]()
    hand_out_shares(Environment(runner), _no_plan, taken.append)  # type: ignore[arg-type]
    (asking,) = clock.spawned
    clock.steps = [lambda: None, lambda: give(runner, Share(1, 2))]
    asking.run()
    assert runner.of_type(MessageType.SHARE_REQUEST) == [(None, None)] * 2
    assert clock.slept == [1, 1] and taken == [Share(1, 2)]


def test_a_lone_process_takes_the_whole_run_at_each_start() -> None:
    """Without workers, each start gives index 0 of 1 and the model as it is at that start."""
    environment, taken = Environment(Alone()), list[Share]()
    models = [LoadModel(iterations=3), LoadModel(arrival_rate=2.0)]
    hand_out_shares(environment, lambda: (models.pop(0), URLS), taken.append)  # type: ignore[arg-type]
    environment.events.test_start.fire()
    environment.events.test_start.fire()
    assert taken == [
        Share(0, 1, iterations=3, gateway_url=URLS[0], webhook_url=URLS[1]),
        Share(0, 1, arrival_rate=2.0, gateway_url=URLS[0], webhook_url=URLS[1]),
    ]


def _plan() -> tuple[LoadModel, Urls]:
    return LoadModel(iterations=10), URLS


def _no_plan() -> Any:
    raise AssertionError("a worker never plans: its share comes from the master")


def _never(share: Share) -> None:
    raise AssertionError("a master takes no share of its own")
