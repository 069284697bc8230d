"""A distributed run's workers as the master keeps account of them: lost, late, come back.

The master's `Ledger` knows each worker's share, the iterations it was given (its share,
then grants) and, from its last stats report, the iterations it ended and the `unique` rows
it has left. The two travel in one message, so they always match the figures counted.

- A worker Locust marks missing (killed, or its link down past the heartbeat's liveness), or
  that leaves, is lost: what its last report did not show done (iterations, rows, with the
  rows of iterations still running) is granted to the workers that remain, and the arrival
  rate is shared among them. Nothing it sends afterwards counts: a lost worker that comes
  back (a partition healed) is told so and stops, so no iteration is counted twice. No
  worker left: the run ends and fails, saying how many iterations were not done.
- A worker that joins after the start gets a share without iterations or rows of its own,
  and every other worker cedes it an equal part of what it has not started.
- The run ends when every worker not lost has said it is done with its last grant.

Workers take grants and cede on the master's word (`follow_the_master`); a worker whose
master has gone (no heartbeat for Locust's timeout) says so and exits 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import gevent
from locust.env import Environment
from locust.runners import (
    MASTER_HEARTBEAT_TIMEOUT,
    STATE_MISSING,
    STATE_RUNNING,
    MasterRunner,
    WorkerRunner,
)

from loadspec.errors import ExitCode
from loadspec.locust.messages import MessageType
from loadspec.locust.parts import EVERY_FILE, Part, split_parts
from loadspec.locust.shares import Share
from loadspec.verdicts.workers import Membership, WorkerEvent, WorkerEventKind

if TYPE_CHECKING:
    from loadspec.locust.workload import Workload

__all__ = ["Ledger", "follow_the_master"]

_log = logging.getLogger("loadspec")
_WATCH_S = 0.5
Rows = dict[str, list[Part]]


class Ledger:
    """A master's account of its workers' shares, grants and progress (see the module)."""

    def __init__(self, environment: Environment, runner: MasterRunner) -> None:
        self.environment, self.runner = environment, runner
        self.shares: dict[str, Share] = {}
        self.live: list[str] = []
        self.given: dict[str, int] = {}  # iterations given to each worker, share and grants
        self.done: dict[str, int] = {}  # iterations each worker's last report says ended
        self.rows: dict[str, Rows] = {}  # rows each worker's last report says are left
        self.seq: dict[str, int] = {}  # the number of each worker's last grant
        self.finished: set[str] = set()
        self.lost: dict[str, float] = {}
        self.ceding: dict[str, str] = {}  # a worker asked to cede -> the late one it is for
        self.events: list[WorkerEvent] = []
        self.not_done = 0
        self.abandoned = self.running = False
        self.start: float | None = None
        self._watch: Any = None
        runner.register_message(MessageType.DONE, self._on_done)
        runner.register_message(MessageType.CEDED, self._on_ceded)
        environment.events.test_stopping.add_listener(self._stopping)
        _screen(runner, self)

    # --- shares -------------------------------------------------------------------------

    def begin(self, shares: dict[str, Share]) -> None:
        """A test start: each worker's share; nobody lost or done yet."""
        self.shares, self.live = dict(shares), list(shares)
        self.given = {w: s.tickets or 0 for w, s in shares.items()}
        self.done, self.rows, self.seq = dict.fromkeys(shares, 0), {}, dict.fromkeys(shares, 0)
        self.finished.clear()
        self.lost.clear()
        self.ceding.clear()
        self.events.clear()
        self.not_done, self.abandoned, self.running = 0, False, True
        self.start = time.time()
        if self._watch is None:
            self._watch = gevent.spawn(self._watching)

    def share_for(self, client_id: str) -> Share | None:
        """The share of a worker that asks for it: its own, or a late one's (None: lost)."""
        if client_id in self.lost:
            return None
        share = self.shares.get(client_id)
        if share is None and self.running and self.shares:
            share = self._join(client_id)
        return share

    def membership(self) -> Membership:
        """What the verdict says of the workers."""
        return Membership(tuple(self.events), self.not_done, self.abandoned, self.start)

    def _join(self, client_id: str) -> Share:
        template = next(iter(self.shares.values()))
        count = len(self.live) + 1
        budget = 0 if template.iterations is not None else None
        late = {"index": count - 1, "count": count, "late": True, "budget": budget}
        share = self.shares[client_id] = Share(**{**_fields(template), **late})
        others = list(self.live)
        self.live.append(client_id)
        self.given[client_id] = self.done[client_id] = self.seq[client_id] = 0
        detail = f"took a share of what {len(others)} worker(s) had not started"
        self._note(WorkerEventKind.JOINED, client_id, detail)
        for worker in others:
            self.ceding[worker] = client_id
            self.runner.send_message(MessageType.CEDE, {"ways": count}, client_id=worker)
        self._regrant(skip=[client_id])
        return share

    # --- progress and the end -----------------------------------------------------------

    def report(self, client_id: str, progress: Mapping[str, Any] | None) -> None:
        """A worker's stats report arrived (the screen keeps a lost one's out)."""
        if progress is None or client_id not in self.live:
            return
        self.done[client_id] = int(progress.get("done", 0))
        rows = progress.get("rows") or {}
        self.rows[client_id] = {key: [_part(p) for p in parts] for key, parts in rows.items()}

    def _on_done(self, msg: Any, **_: Any) -> None:
        seq = int((msg.data or {}).get("seq", 0))
        if msg.node_id in self.live and seq >= self.seq.get(msg.node_id, 0):
            self.finished.add(msg.node_id)
        self._end_when_done()

    def _end_when_done(self) -> None:
        every = self.live and all(w in self.finished for w in self.live)
        if self.running and every and not self.ceding:
            self.running = False
            _log.info("loadspec: every worker's work is done: ending the run")
            gevent.spawn(self.runner.quit)

    def _stopping(self, **_: Any) -> None:
        self.running = False

    # --- lost workers -------------------------------------------------------------------

    def _watching(self) -> None:
        while True:
            gevent.sleep(_WATCH_S)
            if not self.running:
                continue
            for worker in list(self.live):
                client = self.runner.clients.get(worker)
                if client is None or client.state == STATE_MISSING:
                    self._lose(worker, "missing" if client is not None else "gone")

    def _lose(self, worker: str, how: str) -> None:
        self.live.remove(worker)
        self.finished.discard(worker)
        self.lost[worker] = time.time()
        moved = max(self.given[worker] - self.done[worker], 0)
        self.given[worker] = self.done[worker]
        rows = self.rows.get(worker)
        if rows is None:  # no report came: none of its rows was used (nor counted)
            share = self.shares[worker]
            rows = {} if share.late else {EVERY_FILE: [(share.index, share.count, -1)]}
        counted = self.done[worker]
        detail = f"{how}; {counted} iterations counted from it, {moved} moved"
        if self.shares[worker].iterations is None:
            detail = f"{how}; its users and unused rows moved"
        self._note(WorkerEventKind.LOST, worker, detail + f" to {len(self.live)} worker(s)")
        _log.warning("loadspec: worker %s lost (%s): %s", worker, how, detail)
        for waiting, late in list(self.ceding.items()):
            if waiting == worker:
                del self.ceding[waiting]  # it will never answer; its work moves below
            elif late == worker:
                self.ceding[waiting] = ""  # what it cedes goes to everyone
        if not self.live:
            self._abandon(moved)
            return
        self._spread(moved, rows)
        self._move_users()
        self._end_when_done()

    def _move_users(self) -> None:
        # Locust takes a missing worker out of its dispatcher but restarts the users on the
        # others only with --enable-rebalancing: without it, the run would go on short of users.
        runner = self.runner
        options = getattr(self.environment, "parsed_options", None)
        rebalancing = bool(getattr(options, "enable_rebalancing", False))
        if runner.state == STATE_RUNNING and runner.spawning_completed and not rebalancing:
            gevent.spawn(runner.start, runner.target_user_count, runner.spawn_rate)

    def _abandon(self, moved: int) -> None:
        self.running, self.abandoned = False, True
        self.not_done = moved
        if self.shares and next(iter(self.shares.values())).iterations is not None:
            _log.error("loadspec: every worker was lost: %d iterations not done", moved)
        else:
            _log.error("loadspec: every worker was lost before the run's end")
        gevent.spawn(self.runner.quit)

    def _spread(self, iterations: int, rows: Rows, only: Sequence[str] = ()) -> None:
        """Grant `iterations` and `rows` to `only` (default: every live worker), in equal parts."""
        targets = list(only) or list(self.live)
        dealt = {key: split_parts(parts, len(targets)) for key, parts in rows.items()}
        for n, worker in enumerate(targets):
            part = Share(n, len(targets)).of(iterations)
            self._grant(worker, part, {k: shares[n] for k, shares in dealt.items() if shares[n]})
        self._regrant(skip=targets)

    def _regrant(self, skip: Sequence[str] = ()) -> None:
        """Tell every live worker how many share the rate now (an empty grant)."""
        for worker in self.live:
            if worker not in skip:
                self._grant(worker, 0, {})

    def _grant(self, worker: str, iterations: int, rows: Rows) -> None:
        self.seq[worker] += 1
        self.given[worker] += iterations
        self.finished.discard(worker)
        data = {"seq": self.seq[worker], "iterations": iterations, "rows": rows,
                "count": len(self.live)}  # fmt: skip
        self.runner.send_message(MessageType.GRANT, data, client_id=worker)

    def _on_ceded(self, msg: Any, **_: Any) -> None:
        worker, data = msg.node_id, msg.data or {}
        late = self.ceding.pop(worker, None)
        if worker not in self.live or late is None:
            return
        iterations = int(data.get("iterations", 0))
        self.given[worker] -= iterations
        rows = {k: [_part(p) for p in parts] for k, parts in (data.get("rows") or {}).items()}
        self._spread(iterations, rows, only=[late] if late in self.live else ())
        self._end_when_done()

    def _note(self, kind: WorkerEventKind, worker: str, detail: str) -> None:
        self.events.append(WorkerEvent(kind, worker, time.time(), detail))

    def came_back(self, worker: str) -> None:
        """A lost worker spoke again: it is told to stop; nothing it sends counts."""
        self._note(WorkerEventKind.RETURNED, worker, "told to stop; nothing since its loss counts")
        _log.warning("loadspec: lost worker %s came back: told to stop", worker)
        self.runner.send_message(MessageType.LOST, {"at": self.lost[worker]}, client_id=worker)


def _screen(runner: MasterRunner, ledger: Ledger) -> None:
    """Keep every message of a lost worker out of the run (stats, heartbeats, readiness)."""
    handle = runner.handle_message
    told: set[str] = set()

    def screened(client_id: str, msg: Any) -> None:
        if msg.node_id in ledger.lost:
            if msg.node_id not in told:
                told.add(msg.node_id)
                ledger.came_back(msg.node_id)
            return
        handle(client_id, msg)

    # Locust's client listener calls `self.handle_message` for every message a worker sends.
    setattr(runner, "handle_message", screened)  # noqa: B010 -- an instance's method, replaced


def _part(given: Sequence[Any]) -> Part:
    start, step, left = (int(n) for n in given)
    return start, step, left


def _fields(share: Share) -> dict[str, Any]:
    return {name: getattr(share, name) for name in share.__dataclass_fields__}


def follow_the_master(environment: Environment, work: Workload) -> None:
    """A worker's side: take grants, cede to late workers, stop when lost or masterless."""
    runner = environment.runner
    assert isinstance(runner, WorkerRunner)

    def grant(msg: Any, **_: Any) -> None:
        data = msg.data
        work.grant(int(data["seq"]), int(data["iterations"]), data["rows"], int(data["count"]))

    def cede(msg: Any, **_: Any) -> None:
        iterations, rows = work.cede(int(msg.data["ways"]))
        runner.send_message(MessageType.CEDED, {"iterations": iterations, "rows": rows})

    def lost(msg: Any, **_: Any) -> None:
        when = time.strftime("%H:%M:%S", time.localtime(float(msg.data["at"])))
        _log.error(
            "loadspec: the master counted this worker lost at %s and moved its work to the "
            "others; nothing it did since counts: stopping (exit 1)",
            when,
        )
        environment.process_exit_code = ExitCode.FAILED
        gevent.spawn(runner.quit)

    runner.register_message(MessageType.GRANT, grant)
    runner.register_message(MessageType.CEDE, cede)
    runner.register_message(MessageType.LOST, lost)
    timeout = min(work.state.run.master_timeout, MASTER_HEARTBEAT_TIMEOUT - 2)
    gevent.spawn(_watch_master, environment, runner, timeout)


def _watch_master(environment: Environment, runner: WorkerRunner, timeout: float) -> None:
    """Say why, and quit with exit 1, when the master has said nothing for `timeout` seconds
    (--master-timeout; Locust's worker would quit on its own after 60)."""
    while True:
        gevent.sleep(1)
        last = runner.last_heartbeat_timestamp
        if last and time.time() - last > timeout:
            _log.error(
                "loadspec: no word from the master at %s:%s for %g s: it is gone; this worker "
                "stops (exit 1)",
                runner.master_host,
                runner.master_port,
                timeout,
            )
            environment.process_exit_code = ExitCode.FAILED
            runner.quit()
            return
