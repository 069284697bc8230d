"""The master's ledger in-process: a lost worker's work moves, a late one gets a share, a lost
one that comes back counts for nothing, the run ends only when every live worker is done."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from locust.rpc import Message
from locust.runners import STATE_MISSING

from loadspec.config.load import LoadModel
from loadspec.language.model import DataMode, DataSource
from loadspec.locust.messages import PROGRESS_KEY, MessageType
from loadspec.locust.parts import EVERY_FILE, RowParts, split_parts
from loadspec.locust.shares import Share
from loadspec.locust.workload import Workload
from loadspec.verdicts.workers import WorkerEventKind
from tests.load_model.stand_ins import Clock, Master, Worker, give, start, workload


def master(iterations: int | None = 600, workers: int = 2) -> tuple[Master, Workload]:
    """A master whose test has started with `workers` workers (w0, w1...)."""
    runner = Master({f"w{n}": n for n in range(workers)})
    work = workload(LoadModel(iterations=iterations), runner)
    start(work)
    return runner, work


def report(work: Workload, worker: str, done: int, rows: dict[str, Any] | None = None) -> None:
    """A worker's periodic stats report, with its progress."""
    data = {PROGRESS_KEY: {"done": done, "rows": rows or {}}}
    work.environment.events.worker_report.fire(client_id=worker, data=data)


def lose(runner: Master, work: Workload, worker: str) -> None:
    """Locust marks `worker` missing; the ledger's watch sees it."""
    runner.clients.get(worker).state = STATE_MISSING
    ledger = work.ledger
    assert ledger is not None
    for client in list(ledger.live):
        node = runner.clients.get(client)
        if node is None or node.state == STATE_MISSING:
            ledger._lose(client, "missing")


def test_a_lost_workers_unfinished_iterations_move_to_the_others(clock: Clock) -> None:
    """600 over 3 workers; w2 lost after reporting 120 done: its other 80 go to w0 and w1 (40
    each), with the new worker count; the summary names it with what moved."""
    runner, work = master(600, 3)
    report(work, "w2", 120)
    lose(runner, work, "w2")
    grants = {to: data for data, to in runner.of_type(MessageType.GRANT)}
    assert {to: (d["iterations"], d["count"], d["seq"]) for to, d in grants.items()} == {
        "w0": (40, 2, 1),
        "w1": (40, 2, 1),
    }
    assert work.ledger is not None
    (event,) = work.ledger.membership().events
    assert event.kind is WorkerEventKind.LOST and event.worker == "w2"
    assert "120 iterations counted from it, 80 moved to 2 worker(s)" in event.detail
    moving = [c for c in clock.spawned if c.function == runner.start]
    assert len(moving) == 1  # its users restarted on the others (Locust does not, by default)


def test_a_done_sent_before_a_grant_does_not_end_the_run(clock: Clock) -> None:
    """w0 said done for its share, then was granted w1's work: the run ends only when w0 says
    done for that grant too."""
    runner, work = master(10, 2)
    runner.deliver(MessageType.DONE, {"seq": 0}, node_id="w0")
    lose(runner, work, "w1")
    runner.deliver(MessageType.DONE, {"seq": 0}, node_id="w0")  # crossed the grant on the wire
    assert (runner.quits == 0 and clock.spawned == []) or all(
        c.function != runner.quit for c in clock.spawned
    )
    runner.deliver(MessageType.DONE, {"seq": 1}, node_id="w0")
    assert any(c.function == runner.quit for c in clock.spawned)


def test_every_worker_lost_fails_the_run_with_what_was_not_done(clock: Clock) -> None:
    """The last worker lost: the run ends, and its verdict fails naming the iterations left."""
    runner, work = master(100, 2)
    report(work, "w0", 30)
    report(work, "w1", 20)
    lose(runner, work, "w0")
    lose(runner, work, "w1")
    assert work.ledger is not None
    membership = work.ledger.membership()
    assert membership.failed and membership.not_done == 50
    assert membership.reason == "50 iterations not done: every worker was lost"
    assert any(c.function == runner.quit for c in clock.spawned)


def test_a_late_worker_gets_an_empty_share_and_what_the_others_cede(clock: Clock) -> None:
    """A worker asking for its share after the start is late: a share with no iterations or
    rows; each other worker is asked to cede a third, and what it cedes is granted to it."""
    runner, work = master(600, 2)
    clock.spawned.clear()
    runner.deliver(MessageType.SHARE_REQUEST, node_id="w9")
    clock.run_spawned()
    ((share, to),) = runner.of_type(MessageType.SHARE)
    assert to == "w9" and share["late"] and share["budget"] == 0 and share["count"] == 3
    assert sorted(to for _, to in runner.of_type(MessageType.CEDE)) == ["w0", "w1"]
    runner.deliver(MessageType.CEDED, {"iterations": 70, "rows": {}}, node_id="w0")
    granted = [(d["iterations"], to) for d, to in runner.of_type(MessageType.GRANT) if to == "w9"]
    assert granted == [(70, "w9")]
    assert work.ledger is not None and work.ledger.given["w0"] == 300 - 70


def test_a_lost_worker_that_comes_back_counts_for_nothing(clock: Clock) -> None:
    """Once lost, a worker's stats and heartbeats never reach Locust: it is told it was lost
    (and stops), once, and the summary says it came back."""
    runner, work = master(600, 2)
    lose(runner, work, "w1")
    seen: list[str] = []
    for kind in ("heartbeat", "stats", "heartbeat"):  # through the screen on Locust's handler
        runner.handle_message("w1", Message(kind, {}, "w1"))
        seen += [to or "" for _, to in runner.of_type(MessageType.LOST)]
    assert seen == ["w1", "w1", "w1"]  # sent once, the same message seen thrice
    assert work.ledger is not None
    kinds = [e.kind for e in work.ledger.membership().events]
    assert kinds == [WorkerEventKind.LOST, WorkerEventKind.RETURNED]


def test_a_worker_takes_grants_and_cedes(clock: Clock, tmp_path: Path) -> None:
    """A worker's budget grows by a grant (a grant before its share waits for it) and shrinks
    by what it cedes; its unused unique rows move with it."""
    runner = Worker()
    work = workload(LoadModel(), runner)
    work.grant(1, 5, {}, 2)
    give(runner, Share(0, 2, iterations=20))
    assert work.budget == 15 and work.workers == 2 and work.seq == 1
    assert work.cede(3) == (5, {})
    assert work.budget == 10
    path = tmp_path / "rows.csv"
    path.write_text("n\n" + "".join(f"{n}\n" for n in range(8)))
    data = DataSource(path, DataMode.UNIQUE, exhausted="stop", columns=("n",))
    row: dict[str, str] = {}
    assert work.begin(data, row, first=True) and row["n"] == "0"
    left = work.progress()["rows"][str(path)]
    assert (0, 1, 1) in left  # the running iteration's row: given back if the worker is lost
    work.end(row, made=False)
    assert work.begin(data, row, first=True) and row["n"] == "0"  # cut short: made again


def test_row_parts_split_and_move_without_overlap() -> None:
    """Split parts cover every row once; a lost worker's parts (or every file's) are taken."""
    shares = split_parts([(1, 2, -1), (4, 1, 3)], 3)
    taken = []
    for share in shares:
        parts = RowParts()
        parts.start(["f"], 0, 1, late=True)
        parts.add({"f": [list(p) for p in share]})
        while (index := parts.take("f", 20)) is not None:
            taken.append(index)
    assert sorted(taken) == sorted([*range(1, 20, 2), 4, 5, 6])
    every = RowParts()
    every.start(["a", "b"], 0, 2, late=True)
    every.add({EVERY_FILE: [[1, 2, -1]]})
    assert every.take("a", 4) == 1 and every.take("b", 4) == 1 and every.take("a", 4) == 3
