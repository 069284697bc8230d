"""Stand-ins for what the load model meets in a Locust process: its runner, environment and
clock. Nothing here starts a greenlet, a server or a process."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any

from locust.event import Events
from locust.rpc import Message
from locust.runners import STATE_RUNNING, MasterRunner, WorkerRunner

from loadspec.config.load import LoadModel
from loadspec.config.settings import RunSettings
from loadspec.config.table import Command
from loadspec.locust.messages import MessageType
from loadspec.locust.shares import Share
from loadspec.locust.state import ProcessState
from loadspec.locust.workload import Workload


class Stopped(Exception):
    """A script ran out: ends a loop that would otherwise go on for ever."""


@dataclass
class Spawned:
    """A call a module asked gevent to run in a greenlet of its own."""

    function: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    killed: bool = False

    def run(self) -> Any:
        """Make the call, as the greenlet would."""
        return self.function(*self.args, **self.kwargs)

    def kill(self, block: bool = True) -> None:
        """As `Greenlet.kill`: only noted."""
        self.killed = True


@dataclass
class Clock:
    """`time.monotonic` and gevent's `sleep`, `spawn` and `spawn_later`, never waiting.

    Attributes:
        now: the monotonic time.
        slept: every sleep asked for, in seconds.
        spawned: every greenlet asked for, none started.
        steps: when set, what happens at each sleep in turn; a sleep after the last raises
            `Stopped`.
    """

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)
    spawned: list[Spawned] = field(default_factory=list)
    steps: list[Callable[[], Any]] | None = None

    def monotonic(self) -> float:
        """The clock's time."""
        return self.now

    def sleep(self, seconds: float = 0) -> None:
        """Move the clock on, then take the next step, if there is a script."""
        self.slept.append(seconds)
        self.now += seconds
        if self.steps is not None:
            if not self.steps:
                raise Stopped
            self.steps.pop(0)()

    def spawn(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Spawned:
        """Note the greenlet asked for."""
        self.spawned.append(Spawned(function, args, kwargs))
        return self.spawned[-1]

    def spawn_later(
        self, seconds: float, function: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Spawned:
        """Note the greenlet asked for (its delay does not matter here)."""
        return self.spawn(function, *args, **kwargs)

    def run_spawned(self) -> None:
        """Run every greenlet noted so far, in order."""
        pending, self.spawned = self.spawned, []
        for call in pending:
            call.run()


def script(*values: int) -> Callable[[], int]:
    """A function returning `values` in turn, then raising `Stopped`."""
    left = list(values)

    def next_value() -> int:
        if not left:
            raise Stopped
        return left.pop(0)

    return next_value


class _Runner:
    """What the load model asks of any runner, and the messages it sends and listens for."""

    greenlet = None  # Locust's Runner.__del__ reads it
    user_count = 0  # a plain value over Locust's property
    spawning_completed = True
    spawn_rate = 1.0

    def __init__(self, users: int = 0, state: str = STATE_RUNNING) -> None:
        self.user_count, self.target_user_count, self.state = users, 0, state
        self.starts: list[tuple[int, float]] = []
        self.quits = 0
        self.sent: list[tuple[str, Any, str | None]] = []
        self.handlers: dict[str, Callable[..., Any]] = {}

    def start(self, user_count: int, spawn_rate: float) -> None:
        """Note the start of `user_count` users."""
        self.starts.append((user_count, spawn_rate))
        self.target_user_count = user_count

    def quit(self) -> None:
        """Note the end of the run."""
        self.quits += 1

    def send_message(self, msg_type: str, data: Any = None, client_id: str | None = None) -> None:
        """Note a message to the master (or, from a master, to `client_id`)."""
        self.sent.append((msg_type, data, client_id))

    def register_message(
        self, msg_type: str, listener: Callable[..., Any], concurrent: bool = False
    ) -> None:
        """Keep the handler of `msg_type`."""
        self.handlers[msg_type] = listener

    def deliver(self, msg_type: str, data: Any = None, node_id: str = "master") -> None:
        """A message arriving, through Locust's own wire format."""
        wire = Message(msg_type, data, node_id).serialize()
        self.handlers[msg_type](Message.unserialize(wire))

    def of_type(self, msg_type: str) -> list[tuple[Any, str | None]]:
        """The data and addressee of each message of `msg_type` sent."""
        return [(data, to) for kind, data, to in self.sent if kind == msg_type]


class Alone(_Runner):
    """A local runner: neither master nor worker."""


class Worker(_Runner, WorkerRunner):
    """A worker runner (for `isinstance`), connected to no master."""


class Master(_Runner, MasterRunner):
    """A master runner (for `isinstance`) with workers in each of Locust's states.

    `indexes` are the workers' indexes, as the master gave them when they joined.
    """

    def __init__(self, indexes: dict[str, int], users: int = 0, state: str = STATE_RUNNING) -> None:
        super().__init__(users, state)
        nodes = [SimpleNamespace(id=client_id, state=STATE_RUNNING) for client_id in indexes]
        self.clients = SimpleNamespace(
            ready=nodes[0::3],
            running=nodes[1::3],
            spawning=nodes[2::3],
            get={node.id: node for node in nodes}.get,
        )
        self.indexes = indexes

    def get_worker_index(self, client_id: str) -> int:
        """The index the worker was given when it joined."""
        return self.indexes[client_id]


@dataclass
class Environment:
    """What the load model reads of Locust's environment."""

    runner: Any
    events: Events = field(default_factory=Events)
    user_classes: list[type] = field(default_factory=list)
    stats: Any = field(
        default_factory=lambda: SimpleNamespace(
            total=SimpleNamespace(start_time=1000.0, last_request_timestamp=None)
        )
    )


def workload(model: LoadModel, runner: Any = None, user_classes: Iterable[type] = ()) -> Workload:
    """A process's workload of `model` (a lone process unless `runner` says otherwise)."""
    environment = Environment(runner or Alone(), user_classes=list(user_classes))
    state = ProcessState(settings=RunSettings(command=Command.LOCUST, load=model))
    return Workload(environment, state)  # type: ignore[arg-type]


def start(work: Workload) -> None:
    """A test start in a lone process or a master."""
    work.environment.events.test_start.fire(environment=work.environment)


def give(runner: Any, share: Share, generation: int = 1) -> None:
    """The master's share message arriving at a worker."""
    runner.deliver(MessageType.SHARE, {**asdict(share), "generation": generation})


def spec_user(pace: Any = None) -> Any:
    """A spec's user class, with the spec's own pace (None: none)."""
    compiled = SimpleNamespace(spec=SimpleNamespace(pace=pace))
    return type("SpecUser", (), {"compiled": compiled, "wait_time": None})
