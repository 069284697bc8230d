"""`loadspec check`: run each spec once and judge the API against its contract.

Plans (`loadspec.check.plan`: selection, skips, no request), then, unless `--dry-run`, runs
the plan on gevent through the load run's engine and transport (`loadspec.check.run`,
imported only then: it loads Locust), and writes the reports (`loadspec.check.report`).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from loadspec.check.outcome import SpecCheck, Status
from loadspec.check.plan import CheckPlan, Compiled, Selection, compile_specs, plan_check
from loadspec.check.report import (
    CheckReport,
    baseline_regressions,
    console_lines,
    html_report,
    json_report,
    junit_suite,
    load_check_baseline,
    markdown_report,
)
from loadspec.cli.common import check_options
from loadspec.config.settings import RunSettings
from loadspec.errors import ConfigError, ExitCode
from loadspec.inputs.credentials import Credentials
from loadspec.language import load_specs
from loadspec.language.model import Spec, TokenType
from loadspec.runtime.needs import missing_credential

__all__ = ["run"]


def run(settings: RunSettings) -> int:
    """Plan; then list it (--dry-run) or run it, report, and say whether the API passed."""
    host: str | None = settings["host"] or settings.inputs.host
    refusal = _host_refusal(settings, host)
    if refusal is not None and not settings["dry_run"]:
        raise ConfigError(refusal)
    if not host and settings.fallback_host:
        raise ConfigError(
            f"--fallback-host {settings.fallback_host} without --host: the check would start the "
            "embedded gateway, whose development token never goes to another host"
        )
    credentials = _credentials(host, settings)
    results = load_specs(list(settings.specs), check_options(settings))
    selection = Selection(
        tuple(settings["domain"] or ()),
        tuple(settings["method"] or ()),
        tuple(settings["tags"] or ()),
        settings.include_skipped,
        bool(settings["include_delete"]),
    )
    compiled = compile_specs(results, settings.root, settings.inputs.ref_bases, settings.files)

    def missing(spec: Spec) -> str | None:
        """The first credential `spec` needs and nobody gave: its step, scheme and variable."""
        found = compiled.specs[spec.path]
        steps = found.prerequisites + found.test_request
        whys = [(why, s.step.id) for s in steps if (why := missing_credential(credentials, s))]
        if not whys:
            return None
        why, step_id = min(whys, key=lambda found: found[0])  # the first step, of the first why
        return f"step {step_id}: {why}"

    plan = plan_check(results, selection, settings.variables, missing if host else None)
    if settings["dry_run"]:
        return _dry_run(plan, host, refusal)
    baseline = load_check_baseline(settings.baseline) if settings.baseline else None
    fail_on = Status(str(settings["fail_on"] or "fail").upper())
    started = time.monotonic()
    outcomes, where = _run(plan, compiled, settings, host, credentials)
    report = CheckReport(outcomes, where, (time.monotonic() - started) * 1000, fail_on)
    if baseline is not None:
        regressions = baseline_regressions(outcomes, baseline, fail_on)
        report = CheckReport(outcomes, where, report.duration_ms, fail_on, regressions)
    for line in console_lines(report):
        print(line)
    _write(settings, report)
    return ExitCode.FAILED if report.failed else ExitCode.OK


def _credentials(host: str | None, settings: RunSettings) -> Credentials:
    credentials = settings.credentials()
    if host:
        return credentials
    from loadspec.stub.config import DEFAULT_TOKEN

    # The embedded gateway's development token, for it alone (no host: nothing else is sent to).
    return credentials.with_token(TokenType.STAFF, DEFAULT_TOKEN)


def _run(
    plan: CheckPlan,
    compiled: Compiled,
    settings: RunSettings,
    host: str | None,
    credentials: Credentials,
) -> tuple[list[SpecCheck], str]:
    from loadspec.check.run import CheckRun, check_all

    run = CheckRun(plan, compiled, settings, credentials)
    return check_all(run, host, progress=_progress, say=_err)


def _progress(done: int, total: int, outcome: SpecCheck) -> None:
    reason = f" {outcome.reason}" if outcome.reason else ""
    _err(
        f"[{done}/{total}] {outcome.status.value:5} {outcome.endpoint} "
        f"({Path(outcome.path).name}){reason}"
    )


def _host_refusal(settings: RunSettings, host: str | None) -> str | None:
    """Why the allow-list refuses the host (a dry run says so and goes on), or None."""
    if not host:
        return None
    try:
        settings.allowed.check("--host", host)
    except ConfigError as exc:
        return str(exc)
    return None


def _dry_run(plan: CheckPlan, host: str | None, refusal: str | None) -> int:
    where = host or "the embedded gateway (started for the run)"
    print(f"loadspec check --dry-run: {len(plan.specs)} spec(s) selected, target {where}")
    if refusal is not None:
        print(f"note: a real run would stop here: {refusal}")
    for number, planned in enumerate(plan.specs, 1):
        verdict = planned.verdict
        path = planned.result.path
        if verdict is None:
            spec = planned.spec
            steps = len(spec.prerequisites) + len(spec.test_request)
            waits = sum(1 for s in spec.steps if s.wait is not None)
            extra = f", {waits} callback wait(s)" if waits else ""
            print(f"{number:4}. RUN   {spec.endpoint} ({path}): {steps} step(s){extra}")
        else:
            word = "SKIP" if verdict.status is Status.SKIP else "FAIL"
            what = f"{verdict.reason}: {verdict.message}"
            print(f"{number:4}. {word:5} {verdict.endpoint} ({path}): {what}")
    runs = len(plan.to_run)
    skips = sum(1 for p in plan.specs if p.verdict and p.verdict.status is Status.SKIP)
    broken = len(plan.specs) - runs - skips
    print(
        f"{runs} would run, {skips} would be skipped, {broken} cannot run (invalid); "
        f"{plan.not_selected} not selected; no request sent"
    )
    return ExitCode.OK


def _write(settings: RunSettings, report: CheckReport) -> None:
    from loadspec.reports.junit import write_junit

    if settings.junit is not None:
        write_junit(settings.junit, junit_suite(report))
        _err(f"JUnit report: {settings.junit}")
    writers: dict[str, Callable[[], str]] = {
        "json": lambda: _json_text(report),
        "html": lambda: html_report(report),
        "markdown": lambda: markdown_report(report),
    }
    for name, text in writers.items():
        given = settings[name]
        if given:
            path = Path(given).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text(), encoding="utf-8")
            _err(f"{name.upper()} report: {path}")


def _json_text(report: CheckReport) -> str:
    import json

    return json.dumps(json_report(report), indent=2) + "\n"


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
