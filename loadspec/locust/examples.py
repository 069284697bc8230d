"""One real example of each failure row: its message before ids were grouped as `<id>`.

Locust groups failures by message, so `transport.Failed.of` replaces ids; the first real
(masked) message of each row is kept here, sent from workers to the master with their stats
reports (`EXAMPLES_KEY`), and shown by the verdict's reports beside the grouped row.
"""

from __future__ import annotations

from typing import Any

from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadspec.locust.messages import EXAMPLES_KEY

__all__ = ["MAX_EXAMPLES", "FailureExamples"]

MAX_EXAMPLES = 500
"""Distinct failure rows a process keeps an example of: a bound on memory and messages."""

Key = tuple[str, str, str]
"""A failure row as Locust keys it: (method, name, message)."""


class FailureExamples:
    """The first real message of each failure row, in one process (a master's: every worker's)."""

    __slots__ = ("_found", "_unsent")

    def __init__(self) -> None:
        self._found: dict[Key, str] = {}
        self._unsent: dict[Key, str] = {}

    def record(self, key: Key, example: str) -> None:
        """Keep `example` for `key` unless the row has one (or too many rows have)."""
        if key not in self._found and len(self._found) < MAX_EXAMPLES:
            self._found[key] = self._unsent[key] = example

    def get(self, key: Key) -> str | None:
        """The row's example, if it has one."""
        return self._found.get(key)

    def wire(self, environment: Environment) -> None:
        """Record the examples of this process's requests (a worker sends them on)."""
        events, runner = environment.events, environment.runner
        if not isinstance(runner, MasterRunner):
            events.request.add_listener(self._on_request)
        if isinstance(runner, WorkerRunner):
            events.report_to_master.add_listener(self._report)
        if isinstance(runner, MasterRunner):
            events.worker_report.add_listener(self._receive)

    def _on_request(self, request_type: str, name: str, exception: Any = None, **_: Any) -> None:
        example = getattr(exception, "example", None)
        if example is not None:
            self.record((request_type, name, str(exception)), example)

    def _report(self, data: dict[str, Any], **_: Any) -> None:
        data[EXAMPLES_KEY] = [[*key, example] for key, example in self._unsent.items()]
        self._unsent = {}

    def _receive(self, data: dict[str, Any], **_: Any) -> None:
        for entry in data.get(EXAMPLES_KEY, ()):
            if isinstance(entry, list | tuple) and len(entry) == 4:
                method, name, message, example = map(str, entry)
                self.record((method, name, message), example)
