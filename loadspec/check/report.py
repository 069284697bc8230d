"""`loadspec check`'s reports, from its outcomes: console, JSON, JUnit, Markdown, HTML, baseline.

The JSON has the authors' report's shape (`summary`, `results`, `byDomain`), with our
`warned` and `errored` counts beside theirs. Every text here was masked by the run; the JUnit
writer makes it XML-safe, the HTML writer escapes it. Pure: no HTTP, no Locust.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadspec.check.outcome import SpecCheck, Status, StepCheck
from loadspec.errors import ConfigError
from loadspec.reports.junit import Case, Failure, Suite

__all__ = [
    "CheckReport",
    "baseline_regressions",
    "console_lines",
    "html_report",
    "json_report",
    "junit_suite",
    "load_check_baseline",
    "markdown_report",
]

_COUNTS = (
    ("passed", Status.PASS),
    ("warned", Status.WARN),
    ("errored", Status.ERROR),
    ("failed", Status.FAIL),
    ("skipped", Status.SKIP),
)
_SHOWN_FINDINGS = 10


@dataclass(frozen=True, slots=True)
class CheckReport:
    """A check run's outcomes and what it ran against.

    Attributes:
        results: one per selected spec, in plan order.
        target: where it ran (`http://127.0.0.1:8080`, or the embedded gateway's line).
        duration_ms: the run's wall time.
        fail_on: the least status that fails the run.
        regressions: specs a baseline passed that fail now (see `baseline_regressions`).
    """

    results: Sequence[SpecCheck]
    target: str
    duration_ms: float
    fail_on: Status = Status.FAIL
    regressions: tuple[str, ...] = ()

    @property
    def counts(self) -> Counter[Status]:
        """How many specs have each status."""
        return Counter(r.status for r in self.results)

    @property
    def failing(self) -> list[SpecCheck]:
        """The specs at or past `fail_on` (SKIP never fails a run)."""
        return [
            r
            for r in self.results
            if r.status is not Status.SKIP and r.status.rank >= self.fail_on.rank
        ]

    @property
    def failed(self) -> bool:
        """Whether the run fails: a spec at or past `fail_on`, or a regression."""
        return bool(self.failing or self.regressions)

    def by_domain(self) -> dict[str, Counter[Status]]:
        """Counts per domain, domains in name order."""
        domains: dict[str, Counter[Status]] = {}
        for result in sorted(self.results, key=lambda r: r.domain):
            domains.setdefault(result.domain, Counter())[result.status] += 1
        return domains


def console_lines(report: CheckReport) -> list[str]:
    """The end of a run on the console: a table by domain, then each non-PASS spec."""
    lines = ["", f"loadspec check: {len(report.results)} spec(s) against {report.target}"]
    header = ("DOMAIN", "TOTAL", "PASS", "WARN", "ERROR", "FAIL", "SKIP")
    rows = [
        (domain, str(sum(c.values())), *(str(c[s]) for s in Status))
        for domain, c in report.by_domain().items()
    ]
    counts = report.counts
    rows.append(("all", str(len(report.results)), *(str(counts[s]) for s in Status)))
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for row in (header, *rows):
        pairs = enumerate(zip(row, widths, strict=True))
        lines.append("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in pairs))
    problems = [r for r in report.results if r.status not in (Status.PASS, Status.SKIP)]
    if problems:
        lines.append("")
    for result in problems:
        lines.append(f"{result.status.value:5} {result.path}: {result.reason} {result.message}")
        step = result.deciding
        if step is not None and step.sent:
            lines.append(f"      sent:     {step.sent}")
            lines.append(f"      received: {step.status or '-'} {step.received}")
        for finding in (step.findings if step else ())[1:_SHOWN_FINDINGS]:
            lines.append(f"      also: {finding.code} {finding.where} {finding.message}".rstrip())
    for name in report.regressions:
        lines.append(f"REGRESSED {name}: passed in the baseline, fails now")
    summary = ", ".join(f"{counts[s]} {word}" for word, s in _COUNTS)
    verdict = "FAILED" if report.failed else "PASSED"
    took, fail_on = _seconds(report.duration_ms), report.fail_on.value.lower()
    lines.append(f"Check {verdict} in {took}: {summary} (--fail-on {fail_on})")
    return lines


def json_report(report: CheckReport) -> dict[str, Any]:
    """The authors' report's shape: summary, results (one per spec), byDomain."""
    counts = report.counts
    tested = len(report.results) - counts[Status.SKIP]
    summary: dict[str, Any] = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "baseUrl": report.target,
        "total": len(report.results),
        **{word: counts[status] for word, status in _COUNTS},
        "passRate": f"{counts[Status.PASS] / tested * 100:.1f}%" if tested else "N/A",
        "durationMs": round(report.duration_ms),
        "failOn": report.fail_on.value,
        "verdict": "FAILED" if report.failed else "PASSED",
        "regressions": list(report.regressions),
    }
    by_domain = {
        domain: {"total": sum(c.values()), **{word: c[s] for word, s in _COUNTS}}
        for domain, c in report.by_domain().items()
    }
    return {
        "summary": summary,
        "results": [_result(r) for r in report.results],
        "byDomain": by_domain,
    }


def _result(result: SpecCheck) -> dict[str, Any]:
    return {
        "spec": result.path,
        "domain": result.domain,
        "endpoint": result.endpoint,
        "method": result.method,
        "path": result.route,
        "title": result.title,
        "status": result.status.value,
        "details": {
            "reason": result.reason.value if result.reason else None,
            "message": result.message,
            "friendlyMessage": result.reason.friendly if result.reason else "",
        },
        "durationMs": round(result.duration_ms),
        "steps": [_step(s) for s in result.steps],
    }


def _step(step: StepCheck) -> dict[str, Any]:
    return {
        "id": step.step,
        "phase": step.phase,
        "request": step.request,
        "httpStatus": step.status,
        "status": step.outcome.value,
        "reason": step.reason.value if step.reason else None,
        "message": step.message,
        "findings": [
            {"code": f.code, "path": f.where, "message": f.message, "drift": f.drift}
            for f in step.findings
        ],
        "elapsedMs": round(step.elapsed_ms, 1),
        "sent": step.sent,
        "received": step.received,
    }


def junit_suite(report: CheckReport) -> Suite:
    """One test case per spec: FAIL (and what `--fail-on` fails) a failure, SKIP skipped."""
    failing = {id(r) for r in report.failing}
    cases = [_case(r, id(r) in failing) for r in report.results]
    return Suite("loadspec check", cases, report.duration_ms / 1000, {"target": report.target})


def _case(result: SpecCheck, fails: bool) -> Case:
    name = f"{result.endpoint} ({Path(result.path).name})"
    seconds = result.duration_ms / 1000
    if result.status is Status.SKIP:
        return Case(name, result.domain, seconds, skipped=f"{result.reason}: {result.message}")
    if not fails and result.status is Status.PASS:
        return Case(name, result.domain, seconds)
    headline = f"{result.status.value} {result.reason}: {result.message}"
    details = "\n".join(_details(result))
    failure = Failure(headline, details, str(result.reason or ""))
    if fails:
        return Case(name, result.domain, seconds, failure=failure)
    # Below --fail-on: shown, not failing (a WARN or ERROR the run tolerates).
    shown = {"status": result.status.value, "reason": str(result.reason)}
    return Case(name, result.domain, seconds, properties=shown)


def _details(result: SpecCheck) -> Iterable[str]:
    if result.reason is not None:
        yield result.reason.friendly
    for step in result.steps:
        mark = step.reason.value if step.reason else "ok"
        answer = f"{step.status} " if step.status else ""
        took = f" ({step.elapsed_ms:.0f} ms)"
        yield f"{step.phase} {step.step}: {step.request} -> {answer}{mark}{took}"
        if step.reason is not None:
            yield f"  {step.message}"
            for finding in step.findings[:_SHOWN_FINDINGS]:
                yield f"  {finding.code} {finding.where} {finding.message}".rstrip()
            if step.sent:
                yield f"  sent: {step.sent}"
                yield f"  received: {step.received}"


def markdown_report(report: CheckReport) -> str:
    """A report a person reads: counts by domain, every spec, then each failing one in full."""
    counts = report.counts
    lines = [
        "# loadspec check",
        "",
        f"Target: `{report.target}` · {len(report.results)} spec(s) · "
        f"{_seconds(report.duration_ms)} · **{'FAILED' if report.failed else 'PASSED'}** "
        f"(--fail-on {report.fail_on.value.lower()})",
        "",
        "| domain | total | " + " | ".join(s.value for s in Status) + " |",
        "|---|---:|" + "---:|" * len(Status),
    ]
    for domain, c in report.by_domain().items():
        lines.append(
            f"| {domain} | {sum(c.values())} | " + " | ".join(str(c[s]) for s in Status) + " |"
        )
    lines.append(
        f"| **all** | {len(report.results)} | " + " | ".join(str(counts[s]) for s in Status) + " |"
    )
    lines += ["", "## Specs", "", "| status | endpoint | spec | reason |", "|---|---|---|---|"]
    for r in report.results:
        lines.append(
            f"| {r.status.value} | `{r.endpoint}` | {Path(r.path).name} | {_md(r.reason or '')} |"
        )
    problems = [r for r in report.results if r.status not in (Status.PASS, Status.SKIP)]
    if problems:
        lines += ["", "## What went wrong"]
    for r in problems:
        lines += ["", f"### {r.status.value} `{r.endpoint}` ({Path(r.path).name})", ""]
        lines += [f"**{r.reason}**: {_md(r.message)}", ""]
        lines += ["```text", *_details(r), "```"]
    for name in report.regressions:
        lines += ["", f"**Regressed:** {name} passed in the baseline and fails now."]
    return "\n".join(lines) + "\n"


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 10_000 else f"{ms / 1000:.2f} s"


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def html_report(report: CheckReport) -> str:
    """The Markdown report's content as a standalone HTML page (no script, no remote asset)."""
    counts = report.counts
    e = html.escape
    rows = "".join(
        f"<tr class='{r.status.value.lower()}'><td>{r.status.value}</td><td><code>{e(r.endpoint)}"
        f"</code></td><td>{e(r.domain)}</td><td>{e(Path(r.path).name)}</td>"
        f"<td>{e(str(r.reason or ''))}</td><td>{e(r.message)}</td></tr>"
        for r in report.results
    )
    details = "".join(
        f"<section><h3>{r.status.value} <code>{e(r.endpoint)}</code> ({e(Path(r.path).name)})"
        f"</h3><p><b>{e(str(r.reason))}</b>: {e(r.message)}</p>"
        f"<pre>{e(chr(10).join(_details(r)))}</pre></section>"
        for r in report.results
        if r.status not in (Status.PASS, Status.SKIP)
    )
    summary = " · ".join(f"{counts[s]} {word}" for word, s in _COUNTS)
    verdict = "FAILED" if report.failed else "PASSED"
    regressions = "".join(
        f"<p class='regressed'>Regressed: {e(n)} passed in the baseline and fails now.</p>"
        for n in report.regressions
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loadspec check: {verdict}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; }}
td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }}
tr.pass td:first-child {{ background: #d7f5dd; }} tr.warn td:first-child {{ background: #fff3c4; }}
tr.error td:first-child {{ background: #ffd9b3; }} tr.fail td:first-child {{ background: #ffc9c9; }}
tr.skip td:first-child {{ background: #eee; }} pre {{ background: #f6f6f6; padding: .7rem;
white-space: pre-wrap; }} .regressed {{ color: #a00; font-weight: bold; }}
td {{ overflow-wrap: anywhere; }}
</style></head><body>
<h1>loadspec check: {verdict}</h1>
<p>Target <code>{e(report.target)}</code> · {len(report.results)} spec(s) ·
{_seconds(report.duration_ms)} · {summary} · --fail-on {report.fail_on.value.lower()}</p>
{regressions}
<table><colgroup><col style="width: 5rem"><col style="width: 22%"><col style="width: 8rem">
<col style="width: 20%"><col style="width: 13rem"><col></colgroup>
<tr><th>status</th><th>endpoint</th><th>domain</th><th>spec</th><th>reason</th>
<th>message</th></tr>{rows}</table>
<h2>What went wrong</h2>{details or "<p>Nothing.</p>"}
</body></html>
"""


def load_check_baseline(path: Path) -> dict[str, str]:
    """A previous `--json` report's status of each spec (`ConfigError` when it is not one)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = data["results"]
        return {str(r["spec"]): str(r["status"]) for r in results}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"--baseline {path}: not a loadspec check --json report ({type(exc).__name__}: {exc})"
        ) from None


def baseline_regressions(
    results: Iterable[SpecCheck], baseline: Mapping[str, str], fail_on: Status
) -> tuple[str, ...]:
    """Specs that passed (or were below `fail_on`) in the baseline and reach it now."""
    regressed = []
    for result in results:
        before = baseline.get(result.path)
        if before is None or result.status is Status.SKIP:
            continue
        was = Status(before) if before in Status.__members__ else Status.PASS
        failed_before = was is not Status.SKIP and was.rank >= fail_on.rank
        if result.status.rank >= fail_on.rank and not failed_before:
            regressed.append(result.path)
    return tuple(regressed)
