"""The hostile-input cases of issue 23, each tried by its test: `python -m bench reliability`.

Each case names what happened before the fix and the test that tries it now; the section of
docs/reliability.md is the table of their results, run here and now.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parents[1]

# (case, what happened before, what happens now, the test that tries it)
CASES: tuple[tuple[str, str, str, str], ...] = (
    (
        "a reply's `next` link to another host, extracted into the next step's path",
        "sent there, with `Authorization: Bearer <token>`",
        "refused (`refused: ...`), counted, nothing sent; with `absoluteUrl: true`, sent "
        "only to the run's hosts or an `--allow-host` one",
        "tests/load/test_hostile_targets.py::test_an_extracted_link_to_another_host_is_refused",
    ),
    (
        "a run variable `@other:port/x` (userinfo trick) or `//other/x` as a path",
        "sent to the other host; `//host/x` crashed the user",
        "refused before sending, counted",
        "tests/load/test_hostile_targets.py::test_a_path_with_userinfo_or_two_slashes_is_refused",
    ),
    (
        "`--fallback-host` at another host and no `--host`",
        "not checked; it got the embedded gateway's development token",
        "exit 2 before the first request",
        "tests/load/test_hostile_targets.py::test_a_fallback_host_without_a_host_stops_the_run",
    ),
    (
        "a redirect to another host",
        "followed, spec headers and a 307 body forwarded",
        "not followed: a 3xx is the step's answer",
        "tests/load/test_hostile_targets.py::test_a_redirect_is_the_steps_answer_never_followed",
    ),
    (
        "`POST /swarm` from the web UI with a host the command line did not allow",
        "the users sent their tokens there",
        "refused on the form (`success: false`), nothing starts",
        "tests/load/test_messages_locustfile.py::test_web_ui_starts_a_run_and_shows_spec_rows",
    ),
    (
        "a 503 whose body is not UTF-8",
        "a traceback per iteration, 0 requests counted, `Verdict: PASSED`",
        "a counted failure with its message; `Verdict: FAILED`",
        "tests/load/test_hostile_targets.py::test_a_503_in_latin_1_is_a_counted_failure",
    ),
    (
        "a gzip bomb (62 KB that inflate to 64 MB)",
        "inflated whole (a 1 MB one took the generator to 2.16 GB)",
        "a failure: `body larger than N bytes once decompressed`; never inflated",
        "tests/load/test_hostile_targets.py::test_a_gzip_bomb_is_a_failure_and_never_inflated",
    ),
    (
        "an iteration that raises",
        "the verdict ignored it (`PASSED` with thresholds held)",
        "a `CRASH <spec>` failure, named in the verdict: never PASSED",
        "tests/load/test_hostile_targets.py::test_a_crashed_iteration_fails_the_run_whatever_the_thresholds",
    ),
)


def hostile() -> tuple[str, bool]:
    """Every case's test, run now; the table of what each did before and does now."""
    results = _run([test for *_, test in CASES])
    rows = ["| case | before | now | test | result |", "|---|---|---|---|---|"]
    for case, before, now, test in CASES:
        outcome = results.get(test, "**not run**")
        rows.append(f"| {case} | {before} | {now} | `{test}` | {outcome} |")
    held = all(results.get(test) == "passed" for *_, test in CASES)
    return "\n".join(rows), held


def _run(tests: list[str]) -> dict[str, str]:
    unique = sorted(set(tests))
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "junit.xml"
        junit = f"--junitxml={report}"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *unique, junit],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return _outcomes(report) if report.is_file() else {}


def _outcomes(report: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").replace(".", "/") + ".py"
        failed = case.find("failure") is not None or case.find("error") is not None
        word = "**failed**" if failed else "passed"
        found[f"{module}::{case.get('name', '').split('[')[0]}"] = word
    return found
