"""One process's part of the load model: iteration budget, data rows, arrival schedule, waits."""

from __future__ import annotations

import logging
from pathlib import Path
from time import perf_counter
from types import SimpleNamespace
from typing import Any

import pytest

from loadspec.config.load import LoadModel
from loadspec.language import load_text
from loadspec.language.model import DataMode, DataScope, DataSource, Pace, PaceKind
from loadspec.language.profile import Profile, Stage
from loadspec.locust.messages import ITERATIONS_KEY, MessageType
from loadspec.locust.shares import Share
from loadspec.locust.workload import Workload, wait_time_of
from tests.load_model.stand_ins import (
    Alone,
    Clock,
    Master,
    Stopped,
    Worker,
    give,
    spec_user,
    start,
    workload,
)

EMAILS = [f"client{n}@example.com" for n in range(5)]
THINK = Pace(PaceKind.THINK, 1.0, 1.0, "1s")


def begins(work: Workload, times: int, data: DataSource | None = None) -> list[bool]:
    """What `begin` answers to `times` iterations in a row, none of them ended."""
    return [work.begin(data, {}, first=True) for _ in range(times)]


def test_a_user_waits_for_the_share_before_its_first_iteration(clock: Clock) -> None:
    """On a worker, `begin` waits until the master's share has come."""
    runner = Worker()
    work = workload(LoadModel(), runner)
    clock.steps = [lambda: None, lambda: give(runner, Share(0, 2))]
    assert work.begin(None, {}, first=True)
    assert clock.slept == [0.02, 0.02]


@pytest.mark.parametrize(("index", "budget"), [(0, 4), (1, 3), (2, 3)])
def test_a_worker_makes_its_part_of_the_iterations(clock: Clock, index: int, budget: int) -> None:
    """10 iterations over 3 workers: 4, 3 and 3; the last one ended tells the master, once."""
    runner = Worker()
    work = workload(LoadModel(), runner)
    give(runner, Share(index, 3, iterations=10))
    assert begins(work, budget + 1) == [True] * budget + [False]
    for _ in range(budget - 1):
        work.end()
    assert runner.of_type(MessageType.DONE) == []
    work.end()
    assert runner.of_type(MessageType.DONE) == [({"seq": 0}, None)]
    assert not work.begin(None, {}, first=True)
    assert len(runner.of_type(MessageType.DONE)) == 1


def test_a_lone_process_ends_its_run_and_a_new_start_gives_a_new_budget(clock: Clock) -> None:
    """The last iteration ended quits the runner; a start from the web UI begins afresh."""
    runner = Alone()
    work = workload(LoadModel(iterations=2), runner)
    for quits in (1, 2):
        start(work)
        assert begins(work, 3) == [True, True, False]
        work.end()
        work.end()
        clock.run_spawned()
        assert runner.quits == quits


def test_the_master_ends_the_run_when_every_worker_is_done(clock: Clock) -> None:
    """One message from each worker ends the run; the same worker twice does not."""
    runner = Master({"w-a": 0, "w-b": 1})
    start(workload(LoadModel(iterations=4), runner))
    clock.spawned.clear()  # the shares sent, the ledger's watch: not run here
    runner.deliver(MessageType.DONE, {}, node_id="w-a")
    runner.deliver(MessageType.DONE, {}, node_id="w-a")
    assert clock.spawned == []
    runner.deliver(MessageType.DONE, {}, node_id="w-b")
    clock.run_spawned()
    assert runner.quits == 1


def rows_file(folder: Path, mode: DataMode, exhausted: str = "stop") -> DataSource:
    """A 5-row CSV of emails, read in `mode`."""
    path = folder / "clients.csv"
    path.write_text("email,name\n" + "".join(f"{email},N\n" for email in EMAILS))
    return DataSource(path, mode, exhausted=exhausted, columns=("email", "name"))


def emails(work: Workload, data: DataSource, times: int) -> list[str | None]:
    """The email each of `times` iterations sends (None: `begin` said no)."""
    sent: list[str | None] = []
    for _ in range(times):
        row: dict[str, str] = {}
        sent.append(row["email"] if work.begin(data, row, first=True) else None)
    return sent


@pytest.mark.parametrize(("index", "rows"), [(0, [0, 2, 4]), (1, [1, 3])])
def test_unique_rows_are_split_across_workers(
    clock: Clock, tmp_path: Path, index: int, rows: list[int]
) -> None:
    """Worker i of 2 sends rows i, i+2, ... once each; with `exhausted: stop`, its part is done
    when they are used up and its last iteration has ended."""
    runner = Worker()
    work = workload(LoadModel(), runner)
    give(runner, Share(index, 2))
    data = rows_file(tmp_path, DataMode.UNIQUE)
    assert emails(work, data, len(rows) + 1) == [EMAILS[n] for n in rows] + [None]
    assert runner.of_type(MessageType.DONE) == []
    for _ in rows:
        work.end()
    assert runner.of_type(MessageType.DONE) == [({"seq": 0}, None)]


@pytest.mark.parametrize(
    ("mode", "exhausted"), [(DataMode.UNIQUE, "wrap"), (DataMode.SEQUENTIAL, "stop")]
)
def test_rows_start_over_unless_unique_rows_stop(
    clock: Clock, tmp_path: Path, mode: DataMode, exhausted: str
) -> None:
    """`sequential`, and `unique` with `exhausted: wrap`, start over after the last row."""
    work = workload(LoadModel())
    start(work)
    assert emails(work, rows_file(tmp_path, mode, exhausted), 7) == EMAILS + EMAILS[:2]


def test_random_rows_never_run_out(clock: Clock, tmp_path: Path) -> None:
    """`random` draws any row of the whole file, as often as asked, on every worker."""
    runner = Worker()
    work = workload(LoadModel(), runner)
    give(runner, Share(1, 2))
    drawn = emails(work, rows_file(tmp_path, DataMode.RANDOM), 60)
    assert set(drawn) <= set(EMAILS) and len(set(drawn)) > 2


def test_a_users_row_is_taken_once(clock: Clock, tmp_path: Path) -> None:
    """`scope: user`: a row at the user's first iteration, none after."""
    work = workload(LoadModel())
    start(work)
    path = rows_file(tmp_path, DataMode.SEQUENTIAL).file
    data = DataSource(path, DataMode.SEQUENTIAL, DataScope.USER)
    row: dict[str, str] = {}
    assert work.begin(data, row, first=True) and work.begin(data, row, first=False)
    assert row["email"] == EMAILS[0]
    assert work.begin(data, row, first=True) and row["email"] == EMAILS[1]


def test_each_worker_keeps_its_part_of_the_rate(clock: Clock) -> None:
    """An arrival rate over 2 workers: half each; rate stages: the stage's, then none."""
    runner = Worker()
    work = workload(LoadModel(), runner)
    give(runner, Share(0, 2, arrival_rate=10.0))
    assert work.rate() == 5.0
    stages = ((2.0, 0, 1.0, 8.0), (2.0, 3, 1.0, None))
    give(runner, Share(0, 2, stages=stages), generation=2)
    assert work.rate() == 4.0
    clock.now += 2.5
    assert work.rate() is None
    clock.now += 2.0
    assert work.rate() is None
    assert workload(LoadModel(pace=THINK)).rate() is None


def test_iterations_start_on_the_schedule(clock: Clock) -> None:
    """5/s: starts 0.2 s apart, whoever asks; a start later than one interval counts as missed
    (no user was free), and the schedule goes on from then."""
    work = workload(LoadModel(arrival_rate=5.0))
    start(work)
    assert begins(work, 4) == [True] * 4
    assert clock.slept == pytest.approx([0.2, 0.2, 0.2])
    assert (work.started, work.missed) == (4, 0)
    clock.now += 1.0  # nobody asked for 1 s: the slots went by
    clock.slept.clear()
    assert begins(work, 2) == [True] * 2
    assert clock.slept == pytest.approx([0.2])
    assert work.missed == 1
    clock.now += 0.3  # one slot late, not more: not missed
    assert begins(work, 1) == [True]
    assert (work.started, work.missed) == (7, 1)
    assert clock.slept == pytest.approx([0.2])


def test_a_schedule_falling_behind_is_said_while_the_run_goes_on(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """Every 5 s, a warning with the starts that found no free user since the last one."""
    work = workload(LoadModel(arrival_rate=5.0))
    start(work)
    (watch,) = [s for s in clock.spawned if s.function == work.watch]

    def missed(count: int) -> Any:
        return lambda: setattr(work, "missed", count)

    clock.steps = [missed(3), missed(3), missed(5)]
    with caplog.at_level(logging.WARNING, logger="loadspec"), pytest.raises(Stopped):
        watch.run()
    found = [r.getMessage() for r in caplog.records if "not kept" in r.getMessage()]
    assert [line.split(": ")[2].split(" ")[0] for line in found] == ["3", "2"]
    assert clock.slept == [5.0] * 4


def summary(model: LoadModel, started: int, missed: int = 0) -> list[str]:
    """The summary of a lone process that started `started` iterations in 10 s."""
    work = workload(model)
    work.environment.stats.total.last_request_timestamp = 1010.0
    work.started, work.missed = started, missed
    return work.summary()


def test_the_summary_says_a_rate_not_reached() -> None:
    """Under 90 % of the target: NOT reached, with the starts that found no free user."""
    (line,) = summary(LoadModel(arrival_rate=20.0), 100, 7)
    assert line == (
        "loadspec: arrival rate: target 20/s, achieved 10.0/s (100 iterations in 10.0 s); "
        "the target was NOT reached (7 start(s) found no free user)"
    )
    assert summary(LoadModel(arrival_rate=20.0), 180) == [
        "loadspec: arrival rate: target 20/s, achieved 18.0/s (180 iterations in 10.0 s)"
    ]


def test_the_summary_of_rate_stages_aims_at_their_mean() -> None:
    """Rate stages: the target is their mean rate; a stage of users too: no summary."""
    rates = Profile((Stage(5.0, 0, 1.0, 10.0), Stage(5.0, 0, 1.0, 30.0)))
    (line,) = summary(LoadModel(profile=rates), 100)
    assert "target 20/s, achieved 10.0/s" in line and "NOT reached" in line
    users = Profile((Stage(5.0, 0, 1.0, 10.0), Stage(5.0, 4, 1.0)))
    assert summary(LoadModel(profile=users), 100) == []


def test_the_master_sums_the_workers_starts(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    """Each worker's report carries its starts; the master's summary adds up the latest of each,
    and it is logged at quit by the master, never by a worker."""
    worker = Worker()
    work = workload(LoadModel(arrival_rate=20.0), worker)
    give(worker, Share(0, 2, arrival_rate=20.0))
    work.started, work.missed = 60, 4
    report: dict[str, Any] = {}
    work.environment.events.report_to_master.fire(client_id="w-a", data=report)
    assert report[ITERATIONS_KEY] == (60, 4)
    master = workload(LoadModel(arrival_rate=20.0), Master({"w-a": 0, "w-b": 1}))
    events = master.environment.events
    master.environment.stats.total.last_request_timestamp = 1010.0
    for client_id, started in (("w-a", 10), ("w-a", 60), ("w-b", 40)):
        events.worker_report.fire(client_id=client_id, data={ITERATIONS_KEY: (started, 4)})
    assert master.achieved() == (100, 8)
    with caplog.at_level(logging.INFO, logger="locust.stats_logger"):
        work.environment.events.quit.fire(exit_code=0)
        events.quit.fire(exit_code=0)
    (logged,) = [r.getMessage() for r in caplog.records if r.name == "locust.stats_logger"]
    assert "target 20/s, achieved 10.0/s (100 iterations" in logged


def waits(wait_time: Any) -> float:
    """The wait Locust would make after an iteration that took no time."""
    return float(wait_time(SimpleNamespace(_cp_last_run=perf_counter(), _cp_last_wait_time=0.0)))


@pytest.mark.parametrize(
    ("pace", "seconds"),
    [
        (Pace(PaceKind.THINK, 1.5, 1.5, "1.5s"), 1.5),
        (Pace(PaceKind.PACING, 2.0, 2.0, "2s"), 2.0),
        (Pace(PaceKind.RATE, 4.0, 4.0, "4/s"), 0.25),
    ],
)
def test_each_pace_is_locusts_wait(pace: Pace, seconds: float) -> None:
    """Think time waits after each iteration, pacing starts one every interval, a rate so many
    a second; the spec's pace wins over the run's."""
    assert waits(wait_time_of(pace, LoadModel())) == pytest.approx(seconds, abs=0.01)
    assert waits(wait_time_of(None, LoadModel(pace=pace))) == pytest.approx(seconds, abs=0.01)
    assert waits(wait_time_of(pace, LoadModel(pace=THINK))) == pytest.approx(seconds, abs=0.01)


def test_a_think_time_range_and_no_pace() -> None:
    """`0.5s-2s` waits anywhere in between; no pace, or an open model, never waits."""
    ranged = wait_time_of(Pace(PaceKind.THINK, 0.5, 2.0, "0.5s-2s"), LoadModel())
    drawn = {waits(ranged) for _ in range(50)}
    assert min(drawn) >= 0.5 and max(drawn) <= 2.0 and len(drawn) > 1
    assert waits(wait_time_of(None, LoadModel())) == 0
    assert waits(wait_time_of(THINK, LoadModel(arrival_rate=5.0))) == 0
    stages = Profile((Stage(5.0, 0, 1.0, 10.0),))
    assert waits(wait_time_of(THINK, LoadModel(pace=THINK, profile=stages))) == 0


def test_a_workers_users_take_the_masters_pace_and_urls(clock: Clock) -> None:
    """At each share, spec users without a pace of their own wait as the master says; the
    worker sends to the master's gateway and offers its listener."""
    runner, mine, own = Worker(), spec_user(), spec_user(Pace(PaceKind.PACING, 2.0, 2.0, "2s"))
    work = workload(LoadModel(), runner, [mine, own])
    give(runner, Share.of_model(LoadModel(pace=THINK), 0, 2, ("http://gw", "http://hook")))
    assert waits(mine.wait_time) == 1.0
    assert waits(own.wait_time) == pytest.approx(2.0, abs=0.01)
    assert (work.state.gateway_url, work.state.webhook_url) == ("http://gw", "http://hook")


PACED_SPEC = """---
endpoint: "GET /echo"
rate: 2/s
---

# A spec with its own pace

## Test Request
```yaml
steps:
  - id: main_request
    method: GET
    path: /echo
```
"""


def test_a_specs_own_pace_wins_over_the_runs(clock: Clock) -> None:
    """The front matter's `rate: 2/s` over the run's --think-time 10ms: a start every 0.5 s."""
    spec = load_text(PACED_SPEC, Path("echo.md")).spec
    assert spec is not None
    user = spec_user(spec.pace)
    work = workload(LoadModel(pace=Pace(PaceKind.THINK, 0.01, 0.01, "10ms")), Alone(), [user])
    start(work)
    assert waits(user.wait_time) == pytest.approx(0.5, abs=0.01)
