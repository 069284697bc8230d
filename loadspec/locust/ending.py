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

from loadspec.locust.baseline import compare, load_baseline
from loadspec.locust.options import LoadSettings
from loadspec.locust.thresholds import evaluate
from loadspec.locust.transport import Failed
from loadspec.locust.verdict import Verdict
from loadspec.reports.junit import write_junit
from loadspec.rows import RowKind
from loadspec.webhooks import CallbackBox

__all__ = [
    "END_GRACE_S",
    "PENDING",
    "interrupt_in_main",
    "judge",
    "on_quit",
    "on_quitting",
    "on_stopping",
    "report_on_stop",
]

END_GRACE_S = 5.0
"""How long waits still pending when the run stops may take to finish."""
PENDING = "still waiting at the end of the run"
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
            exception=Failed(f"{label}: {PENDING}"),
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


def on_quitting(environment: Environment, settings: LoadSettings, stop_gateway: Any) -> None:
    """Users first, then the gateway; then the verdict, the exit code and the reports."""
    runner = environment.runner
    if runner is not None:
        runner.stop()
    stop_gateway()
    if isinstance(runner, WorkerRunner):
        return
    verdict = judge(environment, settings)
    environment.loadspec_verdict = verdict  # type: ignore[attr-defined]
    if verdict.judged or not verdict.passed:
        environment.process_exit_code = 0 if verdict.passed else 1
    _write_reports(environment, settings, verdict)


def judge(environment: Environment, settings: LoadSettings, aborted: str | None = None) -> Verdict:
    """The verdict over the stats so far."""
    stats = environment.stats
    comparisons = []
    if settings.baseline is not None:
        limit = settings.max_regression if settings.max_regression is not None else 0.0
        comparisons = compare(load_baseline(settings.baseline), list(stats.entries.values()), limit)
    return Verdict(
        outcomes=evaluate(settings.thresholds, stats),
        comparisons=comparisons,
        baseline=settings.baseline,
        max_regression=settings.max_regression,
        aborted=aborted or getattr(environment, "loadspec_aborted", None),
        failures=sum(e.num_failures for e in stats.entries.values()),
        pending=_pending(stats),
    )


def _pending(stats: Any) -> dict[str, int]:
    return {
        error.name: error.occurrences
        for error in stats.errors.values()
        if error.method == RowKind.WAIT and str(error.error).endswith(PENDING)
    }


def _write_reports(environment: Environment, settings: LoadSettings, verdict: Verdict) -> None:
    from loadspec.locust.junit import load_suite

    options: Any = environment.parsed_options
    if settings.junit is not None:
        write_junit(settings.junit, load_suite(verdict, environment.stats))
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


def write_html(path: Path, report: str, verdict: Verdict) -> None:
    """Locust's HTML report with the verdict's section in it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(with_verdict(report, verdict), encoding="utf-8")


def with_verdict(report: str, verdict: Verdict) -> str:
    """Locust's HTML report with the verdict's section at the top of its body."""
    head, found, tail = report.partition("<body>")
    if not found:
        return report + verdict.html()
    return head + found + verdict.html() + tail


def _write_csv(environment: Environment, prefix: str) -> None:
    # Locust rewrites these files every second; written once more now, they hold the final
    # stats (the same as --json-file), not those of up to a second before the end.
    writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
    for suffix, write in (("stats", writer.requests_csv), ("failures", writer.failures_csv)):
        with open(f"{prefix}_{suffix}.csv", "w", newline="", encoding="utf-8") as handle:
            write(csv.writer(handle))


def on_quit(environment: Environment) -> None:
    """After Locust's last tables and JSON: the summary block, the JSON verdict entry."""
    verdict: Verdict | None = getattr(environment, "loadspec_verdict", None)
    if verdict is None:
        return
    for line in verdict.lines():
        _console.info(line)
    json_file = getattr(environment.parsed_options, "json_file", None)
    if json_file:
        path = Path(f"{json_file}.json")
        rows = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        path.write_text(json.dumps([*rows, verdict.as_json()], indent=4), encoding="utf-8")
