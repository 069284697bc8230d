"""What a load run survives and never leaks, tried and written into docs/reliability.md.

    python -m bench reliability [--minutes 10]
                                [--only faults,restart,inputs,hostile,canary,flood,soak]

One command, bounded, loopback only. It runs: a short Locust run against `loadspec stub` with
each fault flag; the gateway killed and restarted under load; the hostile-input tests
(hypothesis mutations, fixed cases), each hostile input of issue 23 with its test, and the
canary test; a signed flood of 3,000 callbacks a
second for 10 s at a running load's listener (against the same run without it); and a soak of
the seed's chain against the embedded gateway (`--minutes`, default 10, under `nice -n 19`),
sampling the gateway's memory. About 6 minutes plus the soak. Exit 0 when every "Done when"
check held, else 1; the figures are written either way.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from bench._reliability_hostile import hostile
from bench._reliability_load import flood, soak
from bench._reliability_restart import restart
from bench._reliability_runs import (
    ROOT,
    Run,
    gateway,
    get_json,
    locust,
)
from bench._report import machine

RELIABILITY_DOC = ROOT / "docs" / "reliability.md"
RUN = ("-f", "locustfiles/messages.py", "--headless", "-u", "6", "-r", "6", "-t", "6s")
# flag and value, whether the fault must show as failures, extra Locust options
FAULTS: tuple[tuple[tuple[str, ...], bool, tuple[str, ...]], ...] = (
    (("--error-rate", "0.05"), True, ()),
    (("--reset-rate", "0.1"), True, ()),
    (("--malformed-rate", "0.05"), True, ()),
    (("--contract-break-rate", "0.2"), True, ("--validate-responses", "1")),
    (("--rate-limit", "8"), True, ()),
    (("--latency", "uniform:5:50"), False, ()),
    (("--callback-drop-rate", "0.5"), True, ()),
    (("--callback-delay", "uniform:200:1500"), False, ()),
    (("--callback-duplicate-rate", "0.5"), False, ()),
    (("--callback-reorder-rate", "0.5"), False, ()),
)
Section = tuple[str, bool]


def reports_written(run: Run) -> bool:
    """CSV, HTML and a JUnit file that parses."""
    folder = run.folder
    try:
        ElementTree.parse(folder / "junit.xml")
    except (OSError, ElementTree.ParseError):
        return False
    html = folder / "report.html"
    return (folder / "run_stats.csv").is_file() and html.is_file() and html.stat().st_size > 0


def _short(text: str, size: int = 110) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= size else text[: size - 1] + "…"


def faults(work: Path) -> Section:
    """Each fault flag: a short run, its failures and messages, its reports."""
    lines = [
        "| fault (`loadspec stub ...`) | requests | failures | most frequent failures | "
        "gateway's count | reports | survived |",
        "|---|---|---|---|---|---|---|",
    ]
    held, resets = True, None
    for flags, fails, extra in FAULTS:
        folder = work / "fault" / flags[0].strip("-")
        with gateway(*flags) as url:
            reports = ("--html", str(folder / "report.html"), "--junit", str(folder / "junit.xml"))
            run = locust(folder, *RUN, "--host", url, *reports, *extra)
            said = get_json(url + "/__stub/stats")
        requests = sum(r.requests for r in run.requests)
        failed = sum(r.failures for r in run.rows.values())
        survived = (
            run.code in (0, 1)
            and "Traceback" not in run.log
            and reports_written(run)
            and requests > 0
            and (failed > 0) == fails
        )
        held &= survived
        top = "<br>".join(f"{n} x {_short(e)}" for e, n in run.top_errors()) or "—"
        counted = {k: v for k, v in said["callbacks"].items() if v and k in _CALLBACK_FAULTS}
        counted |= {
            "reset" if k == "0" else k: v
            for k, v in said["by_status"].items()
            if not k.startswith("2")
        }
        shown = ", ".join(f"{k}: {v}" for k, v in sorted(counted.items())) or "—"
        name = f"`{' '.join(flags)}`" + (f" with `{' '.join(extra)}`" if extra else "")
        lines.append(
            f"| {name} | {requests} | {failed} | {top} | {shown} | "
            f"{'CSV, HTML, JUnit' if reports_written(run) else 'missing'} | "
            f"{'yes' if survived else '**no**'} |"
        )
        if flags[0] == "--reset-rate":
            resets = run
    assert resets is not None
    text, even = _resets(resets)
    return "\n".join(lines) + "\n\n" + text, held and even


_CALLBACK_FAULTS = ("dropped", "duplicated", "reordered", "retried", "failed", "overflow")


def _resets(run: Run) -> Section:
    rows = sorted(run.requests, key=lambda r: (r.kind, r.name))
    table = ["| row | requests | failures | share |", "|---|---|---|---|"]
    table += [
        f"| {r.kind} {r.name} | {r.requests} | {r.failures} | {r.fail_share:.1%} |" for r in rows
    ]
    even = all(0.05 < r.fail_share < 0.15 for r in rows if r.requests >= 300)
    gets = [r for r in rows if r.kind == "GET"]
    verdict = "yes" if even and gets else "**no**"
    return (
        "**Resets at 10% (`--reset-rate 0.1`), under Locust:** every method's row shows about "
        f"10% failures, GET rows as POST rows ({verdict}); none is resent behind the "
        "statistics.\n\n" + "\n".join(table),
        even and bool(gets),
    )


def _pytest(*paths: str) -> tuple[bool, str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr[-300:]
    return done.returncode == 0, re.sub(r"=+", "", summary).strip()


def inputs() -> Section:
    """The hostile-input tests: how many inputs, what they found."""
    from tests.test_hostile_specs import PIECES

    source = (ROOT / "tests" / "test_hostile_specs.py").read_text()
    examples = int(re.findall(r"max_examples=(\d+)", source)[0])
    pieces = len(PIECES)
    files = ("tests/test_hostile_specs.py", "tests/stub/test_stub_hostile.py")
    ok, summary = _pytest(*files)
    passed = re.search(r"(\d+) passed", summary)
    fixed = f"{int(passed.group(1)) - 1} fixed cases" if passed else "the fixed cases"
    listener = (
        "tests/runtime/test_webhook_limits.py",
        "tests/runtime/test_webhook_share.py",
        "tests/runtime/test_webhook_hostile.py",
    )
    webhooks_ok, webhooks = _pytest(*listener)
    return (
        f"- `loadspec validate` on {examples:,} mutated specs (hypothesis: lines of valid specs "
        f"inserted, cut, duplicated or replaced with {pieces} pieces that broke YAML readers "
        "and random text), checking each time: no traceback, every line `file:line`, every "
        f"file of the batch still checked; plus {fixed}: explicit YAML tags with bad "
        "values, and the gateway's hostile requests (garbage, contract-breaking and huge "
        f"bodies): `{' '.join(files)}`: {summary}.\n"
        "- The webhook listener's abuse cases (forged, tampered, unsigned and `alg: none` "
        "callbacks, stale and future `iat`, replays, heads too large or too slow, stalled "
        "heads and bodies, chunked and smuggled bodies, large unclaimed callbacks, the rate "
        f"cap and the time share): `{' '.join(listener)}`: {webhooks}.",
        ok and webhooks_ok,
    )


def canary() -> Section:
    """The canary run: a token echoed in every form, searched for in every output."""
    from tests.load.test_canary import LEAKS

    ok, summary = _pytest("tests/load/test_canary.py")
    forms = ", ".join(LEAKS)
    return (
        f"A canary token echoed back by a server in {len(LEAKS)} forms ({forms}), and quoted "
        "in a contract violation, during a real Locust run; every output searched: CSV, "
        "HTML, JSON, JUnit XML, the log file, stdout and stderr "
        f"(`tests/load/test_canary.py`: {summary}). **Canaries leaked: "
        f"{0 if ok else 'some (see the test)'}.**",
        ok,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench reliability", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="soak length (default 10)")
    parser.add_argument("--only", default="faults,restart,inputs,hostile,canary,flood,soak")
    parser.add_argument(
        "--doc", type=Path, default=RELIABILITY_DOC, help="the file to write (docs/reliability.md)"
    )
    options = parser.parse_args(argv)
    wanted = options.only.split(",")
    started = time.monotonic()
    sections: list[tuple[str, Section]] = []
    with tempfile.TemporaryDirectory(prefix="loadspec-reliability-") as folder:
        work = Path(folder)
        steps = {
            "faults": ("Faults survived", lambda: faults(work)),
            "restart": ("Gateway killed and restarted", lambda: restart(work)),
            "inputs": ("Inputs tried", inputs),
            "hostile": ("Hostile inputs (issue 23)", hostile),
            "canary": ("Canaries leaked", canary),
            "flood": ("Floods absorbed", lambda: flood(work)),
            "soak": ("Soak", lambda: soak(work, options.minutes)),
        }
        for name in (n for n in steps if n in wanted):
            title, step = steps[name]
            print(f"reliability: {name}...", file=sys.stderr, flush=True)
            sections.append((title, step()))
    held = all(ok for _, (_, ok) in sections)
    options.doc.write_text(_document(sections, time.monotonic() - started, options))
    print(f"reliability: wrote {options.doc}; all held: {held}", file=sys.stderr)
    return 0 if held else 1


def _document(sections: list[tuple[str, Section]], took: float, options: argparse.Namespace) -> str:
    command = "python -m bench reliability" + (
        f" --minutes {options.minutes:g}" if options.minutes != 10 else ""
    )
    head = [
        "# Reliability and security",
        "",
        "What a load run survives and what it never leaks, as tried by "
        f"`{command}` (loopback only; {took / 60:.0f} minutes). Rerun it to refresh this page.",
        "",
        f"Machine: {machine()}; written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. The machine "
        "is shared: rates move between runs; the checks compare runs made side by side.",
        "",
        "| what | held |",
        "|---|---|",
    ]
    head += [f"| {title} | {'yes' if ok else '**no**'} |" for title, (_, ok) in sections]
    body = [f"\n## {title}\n\n{text}\n" for title, (text, _) in sections]
    return "\n".join(head) + "\n" + "".join(body)
