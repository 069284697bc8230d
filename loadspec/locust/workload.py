"""One process's part of the load model: its iteration budget, arrival schedule, data rows.

A user asks `begin` before each iteration: it waits for this process's share of the run,
takes a ticket of `--iterations` (none left: the user stops), waits for the arrival
schedule's next slot, and sets the spec's data row. When this process has nothing left to
do (its tickets, or its `unique` rows, are used up) it ends the run when it runs alone, or
tells the master, which ends the run when every worker has.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gevent
from locust import between, constant, constant_pacing, constant_throughput
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadspec.config.load import LoadModel
from loadspec.language.data import read_rows
from loadspec.language.model import DataMode, DataScope, DataSource, Pace, PaceKind
from loadspec.locust.membership import Ledger, follow_the_master
from loadspec.locust.messages import ITERATIONS_KEY, PROGRESS_KEY, MessageType
from loadspec.locust.parts import Part, RowParts
from loadspec.locust.shares import Share, Urls, hand_out_shares

if TYPE_CHECKING:
    from loadspec.locust.state import ProcessState

__all__ = ["Workload", "wait_time_of"]

_log = logging.getLogger("loadspec")


class Workload:
    """What every user of one process shares of the load model."""

    def __init__(self, environment: Environment, state: ProcessState) -> None:
        self.environment, self.state = environment, state
        self.model = model = state.run.load
        self.share: Share | None = None
        self.budget: int | None = None
        self.in_flight = self.started = self.missed = self.completed = 0
        self.workers = 1  # how many workers share the arrival rate now
        self.seq = 0  # the master's last grant taken
        self._next = self._since = 0.0
        self._rows: dict[Path, list[dict[str, Any]]] = {}
        self._cursor: dict[Path, int] = {}
        self.parts = RowParts()
        self._early: list[tuple[int, int, Mapping[str, Any], int]] = []
        self._done = self._used_up = False
        self.totals: dict[str, tuple[int, int]] = {}  # a master's: started, missed by worker
        runner = environment.runner
        self.ledger = Ledger(environment, runner) if isinstance(runner, MasterRunner) else None
        hand_out_shares(environment, self._plan, self._receive, self.ledger)
        _count_across(environment, self)
        if isinstance(runner, WorkerRunner):
            follow_the_master(environment, self)
        self._watching: Any = None
        if model.open:
            environment.events.quit.add_listener(lambda **_: self._summarize())

    def _summarize(self) -> None:
        if isinstance(self.environment.runner, WorkerRunner):
            return
        for line in self.summary():
            logging.getLogger("locust.stats_logger").info(line)

    def summary(self) -> list[str]:
        """The arrival rate's line: target and achieved iterations per second."""
        total = self.environment.stats.total
        elapsed = max((total.last_request_timestamp or 0) - total.start_time, 1e-9)
        started, missed = self.achieved()
        model = self.model
        target = model.arrival_rate
        if target is None and model.profile is not None:
            if any(s.rate is None for s in model.profile.stages):
                return []  # stages of users too: no one rate to compare with
            planned = sum((s.rate or 0) * s.duration for s in model.profile.stages)
            target = planned / model.profile.duration
        achieved = started / elapsed
        line = (
            f"loadspec: arrival rate: target {target:g}/s, achieved {achieved:.1f}/s "
            f"({started} iterations in {elapsed:.1f} s)"
        )
        if target and achieved < 0.9 * target:
            line += f"; the target was NOT reached ({missed} start(s) found no free user)"
        return [line]

    def _plan(self) -> tuple[LoadModel, Urls]:
        state = self.state
        return state.run.load, (state.gateway_url, state.webhook_url)

    def wait_for_share(self) -> None:
        """Until this process has its share of the run (a worker's comes from the master)."""
        while self.share is None:
            gevent.sleep(0.02)

    def _receive(self, share: Share) -> None:
        self.share, self._done, self._used_up = share, False, False
        if isinstance(self.environment.runner, WorkerRunner):
            self.state.gateway_url, self.state.webhook_url = share.gateway_url, share.webhook_url
        else:
            self.model = self.state.run.load  # the web UI may have changed it at this start
        self.model = share.model(self.model)
        # The run's pace and model (the master's, the web UI's) decide each spec user's wait.
        for user_class in self.environment.user_classes:
            compiled = getattr(user_class, "compiled", None)
            if compiled is not None:
                user_class.wait_time = wait_time_of(compiled.spec.pace, self.model)
        if self.model.open and self._watching is None:
            self._watching = gevent.spawn(self.watch)
        self.budget = share.tickets
        self.started = self.missed = self.completed = self.seq = 0
        self.workers = share.count
        self.parts.start(self._unique_files(), share.index, share.count, share.late)
        self._since = self._next = time.monotonic()
        early, self._early = self._early, []
        for grant in early:
            self.grant(*grant)

    def _unique_files(self) -> list[str]:
        files = []
        for user_class in self.environment.user_classes:
            data = getattr(getattr(user_class, "compiled", None), "spec", None)
            data = getattr(data, "data", None)
            if data is not None and data.mode is DataMode.UNIQUE:
                files.append(str(data.file))
        return files

    # --- work moved by the master (lost and late workers) ------------------------------

    def grant(self, seq: int, iterations: int, rows: Mapping[str, Any], workers: int) -> None:
        """More work from the master (a lost worker's, or ceded for a late one), and how many
        workers share the rate now; this worker's part is not done until it is made too."""
        if self.share is None:  # before the share it adds to: taken with it
            self._early.append((seq, iterations, rows, workers))
            return
        self.seq, self.workers = max(self.seq, seq), max(workers, 1)
        if self.budget is not None:
            self.budget += iterations
        self.parts.add(rows)
        self._done = self._used_up = False
        self._finish_when_idle()

    def cede(self, ways: int) -> tuple[int, dict[str, list[Part]]]:
        """Give up one `ways`-th of the iterations not started and of the rows not used."""
        given = 0
        if self.budget is not None and ways > 1:
            given = self.budget // ways
            self.budget -= given
        rows = self.parts.cede(ways) if ways > 1 else {}
        self._finish_when_idle()
        return given, rows

    def progress(self) -> dict[str, Any]:
        """What this worker's stats report says it has done, and which rows it has left."""
        return {"done": self.completed, "rows": self.parts.left()}

    def begin(self, data: DataSource | None, row: MutableMapping[str, Any], first: bool) -> bool:
        """Before an iteration: False when this process has none left to make."""
        self.wait_for_share()
        if self.budget is not None:
            if self.budget <= 0:
                return False
            self.budget -= 1
        if data is not None and (first or data.scope is DataScope.ITERATION):
            taken = self._row(data, id(row))
            if taken is None:
                if self.budget is not None:
                    self.budget += 1  # the ticket was not used
                self._used_up = True
                self._finish_when_idle()
                return False
            row.update(taken)
        self.in_flight += 1
        self._wait_for_slot()
        self.started += 1
        return True

    def achieved(self) -> tuple[int, int]:
        """Iterations started and schedule slots missed, in this process or all workers."""
        if isinstance(self.environment.runner, MasterRunner):
            counts = list(self.totals.values())
            return sum(c[0] for c in counts), sum(c[1] for c in counts)
        return self.started, self.missed

    def watch(self) -> None:
        """Warn, while the run goes on, when the arrival schedule falls behind."""
        missed = 0
        while True:
            gevent.sleep(5.0)
            if self.missed > missed:
                _log.warning(
                    "loadspec: the arrival rate is not kept: %d iteration start(s) in the "
                    "last 5 s found no free user (raise --max-users, or the target is too slow)",
                    self.missed - missed,
                )
            missed = self.missed

    def end(self, row: MutableMapping[str, str] | None = None, made: bool = True) -> None:
        """After an iteration (of the user whose data row is `row`): the last one of this
        process's budget ends its part. One not `made` (cut short) is given back."""
        self.in_flight -= 1
        if made:
            self.completed += 1
        elif self.budget is not None:
            self.budget += 1
        if row is not None:
            self.parts.release(id(row), used=made)
        self._finish_when_idle()

    # --- the arrival schedule ----------------------------------------------------------

    def rate(self) -> float | None:
        """This process's iterations per second now (None: no schedule)."""
        model = self.model
        total = model.arrival_rate
        if model.profile is not None:
            stage = model.profile.at(time.monotonic() - self._since)
            total = stage.rate if stage is not None else None
        return None if total is None else total / self.workers

    def _wait_for_slot(self) -> None:
        rate = self.rate()
        if rate is None:
            return
        now = time.monotonic()
        if now - self._next > 1.0 / rate:
            self.missed += 1  # no user was free when this slot came: the rate falls behind
        start = max(now, self._next)
        self._next = start + 1.0 / rate
        if start > now:
            gevent.sleep(start - now)

    # --- data rows ----------------------------------------------------------------------

    def _row(self, data: DataSource, user: int) -> dict[str, Any] | None:
        rows = self._rows.get(data.file)
        if rows is None:
            rows = self._rows[data.file] = read_rows(data.file)
        if not rows:
            return None
        if data.mode is DataMode.RANDOM:
            return random.choice(rows)
        if data.mode is DataMode.UNIQUE:
            return self._unique(data, rows, user)
        cursor = self._cursor.get(data.file, 0)
        self._cursor[data.file] = cursor + 1
        return rows[cursor % len(rows)]

    def _unique(
        self, data: DataSource, rows: list[dict[str, Any]], user: int
    ) -> dict[str, Any] | None:
        # `unique` across workers: worker i of n takes rows i, i+n, i+2n... of the file, and
        # rows moved to it from a lost worker or ceded for a late one (`parts`).
        key = str(data.file)
        index = self.parts.take(key, len(rows))
        if index is None and data.exhausted != "stop":
            self.parts.restart(key)
            index = self.parts.take(key, len(rows))
        if index is None:
            return None
        if data.scope is DataScope.ITERATION:
            self.parts.hold(user, key, index)
        return rows[index]

    # --- the end ------------------------------------------------------------------------

    def _finish_when_idle(self) -> None:
        used_up = self._used_up or self.budget == 0
        if not used_up or self.in_flight or self._done or self.share is None:
            return
        self._done = True
        runner = self.environment.runner
        if isinstance(runner, WorkerRunner):
            runner.send_message(MessageType.DONE, {"seq": self.seq})
        elif runner is not None:
            _log.info("loadspec: the load model's work is done: ending the run")
            gevent.spawn(runner.quit)


def _count_across(environment: Environment, work: Workload) -> None:
    """Iterations started, summed over the workers (for the arrival rate's summary line), and
    each worker's progress, for the master's ledger."""
    events = environment.events

    def report(data: dict[str, Any], **_: Any) -> None:
        data[ITERATIONS_KEY] = (work.started, work.missed)
        data[PROGRESS_KEY] = work.progress()

    def receive(client_id: str, data: dict[str, Any], **_: Any) -> None:
        work.totals[client_id] = data.get(ITERATIONS_KEY, (0, 0))
        if work.ledger is not None:
            work.ledger.report(client_id, data.get(PROGRESS_KEY))

    events.report_to_master.add_listener(report)
    events.worker_report.add_listener(receive)


def wait_time_of(pace: Pace | None, model: LoadModel) -> Any:
    """Locust's wait_time for a spec's users: its own pace, else the run's, else none.

    Under an arrival rate the schedule starts iterations and users do not wait on their own.
    """
    pace = pace or model.pace
    if pace is None or model.open:
        return constant(0)
    if pace.kind is PaceKind.PACING:
        return constant_pacing(pace.low)
    if pace.kind is PaceKind.RATE:
        return constant_throughput(pace.low)
    return constant(pace.low) if pace.high == pace.low else between(pace.low, pace.high)
