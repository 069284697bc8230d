"""The verdict while the run goes: the web UI's Thresholds tab, and thresholds that abort."""

from __future__ import annotations

import argparse
import json
import logging
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_RUNNING, STATE_SPAWNING, WorkerRunner

from loadspec.config.table import Kind, Option
from loadspec.errors import LoadspecError
from loadspec.locust.classes import attach_checks
from loadspec.locust.ending import verdict_of
from loadspec.locust.options import WEB_UI_OPTIONS
from loadspec.locust.preflight import check_webhook_secret, known_rows, row_spellings
from loadspec.locust.split_stats import run_stats
from loadspec.locust.state import ProcessState
from loadspec.verdicts.thresholds import check_rows, evaluate

__all__ = ["TAB", "show_in_web_ui", "start_form_problem", "watch_aborts"]

TAB = "loadspec-thresholds"
_COLUMNS = (("check", "Check"), ("measured", "Measured"), ("verdict", "Verdict"))
_log = logging.getLogger("loadspec")


def show_in_web_ui(environment: Environment, state: ProcessState) -> None:
    """A Thresholds tab (Locust's extended tabs), refreshed with every stats poll."""
    web_ui = environment.web_ui
    if web_ui is None or web_ui.app is None:
        return
    web_ui.template_args["extended_tabs"] = [{"title": "Thresholds", "key": TAB}]
    web_ui.template_args["extended_tables"] = [
        {"key": TAB, "structure": [{"key": key, "title": title} for key, title in _COLUMNS]}
    ]
    from flask import jsonify, request

    app = web_ui.app

    @app.before_request
    def _check_the_start_form() -> Any:
        if request.method != "POST" or not request.path.endswith("/swarm"):
            return None
        problem = start_form_problem(environment, state, request.form)
        if problem is None:
            return None
        _log.error("loadspec: the web UI's start form: %s", problem)
        message = f"loadspec: {problem}"
        return jsonify({"success": False, "message": message, "host": environment.host})

    @app.after_request
    def _with_verdict(response: Any) -> Any:
        if request.path.endswith("/stats/requests") and response.is_json:
            rows = verdict_of(environment, state).table_rows()
            data = {**response.get_json(), "extended_stats": [{"key": TAB, "data": rows}]}
            response.set_data(json.dumps(data))
        elif request.path.endswith("/stats/report"):
            verdict = verdict_of(environment, state)
            response.set_data(verdict.in_report(response.get_data(as_text=True)))
        return response


def start_form_problem(environment: Environment, state: ProcessState, form: Any) -> str | None:
    """What is wrong with a start from the web UI, before it starts anything (None: nothing).

    Its host must be one the run may send to (with the webhook secret it signs callbacks
    with, when specs wait for them), and its loadspec fields the values the command line
    would take: thresholds on rows the specs make, contracts readable when responses are to
    be checked.
    """
    host = form.get("host")
    specs = [c for c in environment.user_classes if hasattr(c, "compiled")]
    try:
        if host and host != environment.host:
            state.run.allowed.check("host", host)
            check_webhook_secret(host, state.run, [c.compiled for c in specs])
        given = argparse.Namespace(**vars(environment.parsed_options))
        for option in WEB_UI_OPTIONS:
            if option.dest in form:
                setattr(given, option.dest, _form_value(option, form))
        candidate = state.run.with_options(given, WEB_UI_OPTIONS)
        compiled = [c.compiled for c in specs]
        check_rows(candidate.thresholds, known_rows(compiled), row_spellings(compiled))
        if candidate.validate_responses > 0 and not any(getattr(c, "checks", {}) for c in specs):
            for level, line in attach_checks(candidate, state.operations, specs):
                _log.log(level, "%s", line)
    except LoadspecError as exc:
        return str(exc)
    return None


def _form_value(option: Option, form: Any) -> Any:
    if option.kind is not Kind.REPEAT:
        return form.get(option.dest) or None
    # As Locust reads a list field: comma-separated, or the field repeated.
    values = form.getlist(option.dest)
    texts = values[0].split(",") if len(values) == 1 else values
    return [text.strip() for text in texts if text.strip()]


def watch_aborts(environment: Environment, state: ProcessState) -> None:
    """Check the `:abort` thresholds every second; stop the run at the first breach."""
    if state.watching or isinstance(environment.runner, WorkerRunner):
        return  # one watcher per process, however many times a run starts
    if any(t.abort for t in state.run.thresholds):
        state.watching = True
        gevent.spawn(_watch, environment, state)


def _watch(environment: Environment, state: ProcessState) -> None:
    runner = environment.runner
    assert runner is not None
    while True:
        gevent.sleep(1)
        if runner.state not in (STATE_RUNNING, STATE_SPAWNING):
            continue
        # A row with no data yet is not a breach: only a measured value aborts. The web UI
        # may change the thresholds at each start: they are read each time.
        aborting = [t for t in state.run.thresholds if t.abort]
        results = evaluate(aborting, run_stats(environment.stats))
        breached = [r for r in results if r.actual is not None and not r.passed]
        if breached:
            state.aborted = breached[0].threshold.text
            _log.error("loadspec: %s: aborting the run", breached[0])
            headless = getattr(environment.parsed_options, "headless", False)
            runner.quit() if headless else runner.stop()
            return
