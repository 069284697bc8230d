"""Each process's share of the run: its worker index and how many workers there are.

The master sends every worker its share when the test starts (from a greenlet of its own,
as Locust sends its spawn messages: sent from the main greenlet while it dispatches users,
a message could stall the workers). A worker's users wait for it before their first
iteration (`Workload.begin`).

A worker joins the master before its own init event has registered the handler, so the
master may start the test (and send the share) before the worker can take it. The worker
therefore asks for its share, once a second, until one has come; every share carries the
master's test-start count, so a late answer never replaces a share already taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any, Protocol

import gevent
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadspec.config.load import LoadModel
from loadspec.language.model import Pace, PaceKind
from loadspec.language.profile import Profile, Stage
from loadspec.locust.messages import MessageType

__all__ = ["Book", "Share", "hand_out_shares", "send_share"]

Urls = tuple[str | None, str | None]
"""The embedded gateway's and the master listener's URLs, as a share carries them."""
_ASKS = 600  # a worker asks for at most ten minutes; a later test start still pushes


@dataclass(frozen=True, slots=True)
class Share:
    """One process's part of the run, and the master's load model for workers to follow.

    Attributes:
        index: this worker's index (0 when local).
        count: how many workers share the run (1 when local).
        iterations: the run's --iterations, if any.
        arrival_rate: the run's --arrival-rate, if any.
        stages: the profile's stages as (duration, users, spawn_rate, rate).
        pace: the run's --think-time, --pacing or --user-rate as (kind, low, high, text).
        gateway_url: the embedded gateway the master started, if it did (the only address
            its development token is ever sent to).
        webhook_url: the master's listener, where callbacks are relayed from.
        budget: this worker's iterations (None: its part of `iterations` by index and count).
        late: it joined after the start: no rows or iterations of its own, only what the
            others cede to it (`loadspec_cede`).
    """

    index: int = 0
    count: int = 1
    iterations: int | None = None
    arrival_rate: float | None = None
    stages: tuple[tuple[float, int, float, float | None], ...] = ()
    pace: tuple[str, float, float, str] | None = None
    gateway_url: str | None = None
    webhook_url: str | None = None
    budget: int | None = None
    late: bool = False

    @classmethod
    def of_model(
        cls, model: LoadModel, index: int = 0, count: int = 1, urls: Urls = (None, None)
    ) -> Share:
        """The share of worker `index` of `count` in a run of `model`."""
        stages = model.profile.stages if model.profile else ()
        plain = tuple((s.duration, s.users, s.spawn_rate, s.rate) for s in stages)
        pace = model.pace
        given = None if pace is None else (pace.kind.value, pace.low, pace.high, pace.text)
        return cls(index, count, model.iterations, model.arrival_rate, plain, given, *urls)

    def model(self, own: LoadModel) -> LoadModel:
        """The load model this share says (a worker's own pace kept where the master has none,
        and its own max users)."""
        profile = Profile(tuple(Stage(*s) for s in self.stages)) if self.stages else None
        pace = own.pace
        if self.pace is not None:
            kind, low, high, text = self.pace
            pace = Pace(PaceKind(kind), low, high, text)
        return replace(
            own,
            pace=pace,
            iterations=self.iterations,
            arrival_rate=self.arrival_rate,
            profile=profile,
        )

    def of(self, total: int) -> int:
        """This process's part of `total` (the first ones take the remainder)."""
        return total // self.count + (1 if self.index < total % self.count else 0)

    @property
    def tickets(self) -> int | None:
        """The iterations this process makes (None: as many as the run lasts)."""
        if self.budget is not None or self.iterations is None:
            return self.budget
        return 0 if self.late else self.of(self.iterations)


class Book(Protocol):
    """Where a master keeps each worker's share (`membership.Ledger`)."""

    def begin(self, shares: dict[str, Share]) -> None:
        """The shares handed out at a test start."""

    def share_for(self, client_id: str) -> Share | None:
        """The share of a worker that asks again (a late one gets its first); None: none yet."""


def hand_out_shares(
    environment: Environment,
    plan: Callable[[], tuple[LoadModel, Urls]],
    receive: Callable[[Share], None],
    book: Book | None = None,
) -> None:
    """Call `receive` with this process's share at each test start (workers: from the master);
    `plan` says the run's load model and URLs as they are at that start; a master notes in
    `book` what it handed out."""
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        _follow(runner, receive)
        return
    if isinstance(runner, MasterRunner):
        _lead(environment, runner, plan, book)
        return
    environment.events.test_start.add_listener(lambda **_: receive(Share.of_model(*_one(plan))))


def _follow(runner: WorkerRunner, receive: Callable[[Share], None]) -> None:
    taken = [0]  # the test-start count of the last share taken

    def take(msg: Any, **_: Any) -> None:
        data = dict(msg.data)
        generation = int(data.pop("generation", 1))
        if generation > taken[0]:
            taken[0] = generation
            receive(_share(data))

    runner.register_message(MessageType.SHARE, take)
    gevent.spawn(_ask, runner, taken)


def _ask(runner: WorkerRunner, taken: list[int]) -> None:
    for _ in range(_ASKS):
        if taken[0]:
            return
        runner.send_message(MessageType.SHARE_REQUEST)
        gevent.sleep(1)


def _lead(
    environment: Environment,
    runner: MasterRunner,
    plan: Callable[[], tuple[LoadModel, Urls]],
    book: Book | None,
) -> None:
    started = [0]  # how many times the test started

    def start(**_: Any) -> None:
        started[0] += 1
        shares = _send(runner, plan, started[0])
        if book is not None:
            book.begin(shares)

    def answer(msg: Any, **_: Any) -> None:
        if not started[0]:  # before the first start, the start itself hands the shares out
            return
        if book is None:
            _send(runner, plan, started[0], only=msg.node_id)
        elif (share := book.share_for(msg.node_id)) is not None:
            send_share(runner, share, started[0], msg.node_id)

    environment.events.test_start.add_listener(start)
    runner.register_message(MessageType.SHARE_REQUEST, answer)


def _share(data: dict[str, Any]) -> Share:
    stages = tuple(tuple(stage) for stage in data.pop("stages", ()))
    pace = data.pop("pace", None)
    return Share(**data, stages=stages, pace=tuple(pace) if pace else None)


def _one(plan: Callable[[], tuple[LoadModel, Urls]]) -> tuple[LoadModel, int, int, Urls]:
    model, urls = plan()
    return model, 0, 1, urls


def _send(
    runner: MasterRunner,
    plan: Callable[[], tuple[LoadModel, Urls]],
    generation: int,
    only: str | None = None,
) -> dict[str, Share]:
    model, urls = plan()
    workers = runner.clients.ready + runner.clients.running + runner.clients.spawning
    ordered = sorted(workers, key=lambda client: runner.get_worker_index(client.id))
    shares: dict[str, Share] = {}
    for index, client in enumerate(ordered):
        share = shares[client.id] = Share.of_model(model, index, len(ordered), urls)
        if only is None or client.id == only:
            send_share(runner, share, generation, client.id)
    return shares


def send_share(runner: MasterRunner, share: Share, generation: int, client_id: str) -> None:
    """`share` to one worker, with the test start's count."""
    data = {**asdict(share), "generation": generation}
    # Sent as Locust sends its spawn messages: from a greenlet of its own.
    gevent.spawn_later(0, runner.send_message, MessageType.SHARE, data, client_id=client_id)
