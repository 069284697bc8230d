"""How a run ends: waits get a grace, users stop before the gateway, the verdict is reported.

Locust fires `test_stopping` before it stops the users (at the end of --run-time, on the web
UI's stop button) and `quitting` before it writes its last reports (also on SIGINT and
SIGTERM, when the users may still run). So: at `test_stopping`, waits still pending get a
grace to finish, and those that do not are failures; at `quitting`, the users are stopped
(no-op when they already are), then the embedded gateway, then the verdict is decided and
written to JUnit, HTML and CSV; at `quit`, after Locust's own tables and JSON, the summary
is printed and the verdict entry added to the JSON file.
"""

from __future__ import annotations

import csv
import json
import logging
import signal
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment
from locust.html import get_html_report, process_html_filename
from locust.rpc import Message
from locust.runners import MasterRunner, WorkerRunner
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

from loadspec.errors import ExitCode
from loadspec.locust.split_stats import run_stats
from loadspec.locust.state import ProcessState
from loadspec.locust.transport import Failed
from loadspec.reports.junit import write_junit
from loadspec.rows import RowKind
from loadspec.verdicts.junit import load_suite
from loadspec.verdicts.stats import RunStats
from loadspec.verdicts.verdict import Criteria, RunVerdict, judge, pending_failure
from loadspec.webhooks import CallbackBox

__all__ = [
    "END_GRACE_S",
    "interrupt_in_main",
    "on_quit",
    "on_quitting",
    "on_stopping",
    "report_on_stop",
    "verdict_of",
]

END_GRACE_S = 5.0
"""How long waits still pending when the run stops may take to finish."""
_log = logging.getLogger("loadspec")
_console = logging.getLogger("locust.stats_logger")


def interrupt_in_main() -> None:
    """Ctrl+C interrupts Locust's main greenlet only, never a user in the middle of a request.

    Python raises KeyboardInterrupt in whatever greenlet runs when the signal is checked: a
    user's, whose traceback gevent prints, before the main one hears of it. Here the signal is
    taken by gevent's loop and thrown into the main greenlet, where Locust handles it.
    """
    hub = gevent.get_hub()
    gevent.signal_handler(
        signal.SIGINT, lambda: hub.loop.run_callback(hub.parent.throw, KeyboardInterrupt)
    )


def on_stopping(environment: Environment, box: CallbackBox | None) -> None:
    """Before Locust stops the users: pending waits get their grace; workers stop first."""
    if box is not None:
        _drain(environment, box)
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        _stop_workers(runner)


def _drain(environment: Environment, box: CallbackBox) -> None:
    since = time.monotonic()
    deadline = since + END_GRACE_S
    while box.waiting(since) and time.monotonic() < deadline:
        gevent.sleep(0.05)
    for label, waited in box.abandon(since):
        environment.events.request.fire(
            request_type=RowKind.WAIT,
            name=label,
            response_time=waited * 1000,
            response_length=0,
            exception=Failed(pending_failure(label)),
            context={},
        )


def report_on_stop(environment: Environment) -> None:
    """A worker that has stopped its users sends its figures at once, before it says so.

    Locust's worker sends its last report when the master tells it to quit, and the master
    waits only 0.5 s for it: on a busy machine it came too late and every request since the
    worker's last periodic report (every 3 s) was lost. Sent from `test_stop`, the report
    reaches the master ahead of the worker's `client_stopped`, which the master waits for
    (`_stop_workers`); the reports after it carry nothing new.
    """
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        data: dict[str, Any] = {}
        environment.events.report_to_master.fire(client_id=runner.client_id, data=data)
        runner.send_message("stats", data)


def _stop_workers(runner: MasterRunner) -> None:
    # On --run-time's end the master only tells its workers to quit and gives them half a
    # second: too little for their waits' grace and final stats. Stop them and wait. Locust
    # drops its dispatcher only after this event: a worker that reports ready before then
    # (stopped here) would be sent a new spawn, restarting the run and clearing its stats.
    runner._users_dispatcher = None
    for client in runner.clients.all:
        runner.server.send_to_client(Message("stop", None, client.id))
    deadline = time.monotonic() + END_GRACE_S + 10
    while runner.user_count and time.monotonic() < deadline:
        gevent.sleep(0.2)


def on_quitting(environment: Environment, state: ProcessState) -> None:
    """Users first, then the gateway; then the verdict, the exit code and the reports."""
    runner = environment.runner
    if runner is not None:
        runner.stop()
    state.stop()
    if isinstance(runner, WorkerRunner):
        return
    stats = run_stats(environment.stats, state.examples)
    verdict = state.verdict = verdict_of(environment, state, stats)
    if verdict.judged or not verdict.passed:
        environment.process_exit_code = ExitCode.OK if verdict.passed else ExitCode.FAILED
    _write_reports(environment, state, verdict, stats)


def verdict_of(
    environment: Environment, state: ProcessState, stats: RunStats | None = None
) -> RunVerdict:
    """The verdict over the stats so far (`stats`: a snapshot already taken of them)."""
    settings = state.run
    criteria = Criteria(settings.thresholds, settings.baseline, settings.max_regression)
    snapshot = run_stats(environment.stats, state.examples) if stats is None else stats
    ledger = state.workload.ledger if state.workload is not None else None
    workers = ledger.membership() if ledger is not None else None
    return judge(criteria, snapshot, state.aborted, workers)


def _write_reports(
    environment: Environment, state: ProcessState, verdict: RunVerdict, stats: RunStats
) -> None:
    settings = state.run
    options: Any = environment.parsed_options
    if settings.junit is not None:
        write_junit(settings.junit, load_suite(verdict, stats))
        _log.info("loadspec: JUnit report written to %s", settings.junit)
    if getattr(options, "html_file", None):
        # Written here, not only by Locust: on SIGTERM Locust writes none, and its own is
        # taken before the users stop. This one holds the final stats and the verdict.
        process_html_filename(options)
        write_html(
            Path(options.html_file), get_html_report(environment, show_download_link=False), verdict
        )
    if getattr(options, "csv_prefix", None):
        _write_csv(environment, options.csv_prefix)


def write_html(path: Path, report: str, verdict: RunVerdict) -> None:
    """Locust's HTML report with the verdict's section in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(verdict.in_report(report), encoding="utf-8")


def _write_csv(environment: Environment, prefix: str) -> None:
    # Locust rewrites these files every second; written once more now, they hold the final
    # stats (the same as --json-file), not those of up to a second before the end.
    writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
    for suffix, write in (("stats", writer.requests_csv), ("failures", writer.failures_csv)):
        with open(f"{prefix}_{suffix}.csv", "w", newline="", encoding="utf-8") as handle:
            write(csv.writer(handle))


def on_quit(environment: Environment, state: ProcessState) -> None:
    """After Locust's last tables and JSON: the summary block, the JSON verdict entry."""
    verdict = state.verdict
    if verdict is None:
        return
    for line in verdict.lines():
        _console.info(line)
    if state.mock_target is not None:
        _console.info("loadspec: this run was against %s", state.mock_target)
    json_file = getattr(environment.parsed_options, "json_file", None)
    if json_file:
        path = Path(f"{json_file}.json")
        rows = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        path.write_text(json.dumps([*rows, verdict.as_json()], indent=4), encoding="utf-8")
