"""Verdicts CI can trust: exit 2 before the run, thresholds in every report, pending waits.

Every test here starts a real Locust process, one per behaviour; the verdict's logic and
wording are tested in-process in `tests/verdicts/`.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadspec.stub import Faults, StubServer
from tests.conftest import DATA
from tests.load.runs import named_gateway, read_failures, read_stats, run_locust
from tests.plain_server import TOKEN, PlainServer

SECURE = str(DATA / "load" / "secure.md")
AUTH = {"LOADSPEC_TOKEN_STAFF": TOKEN}
SHORT = ("--headless", "-u", "2", "-r", "2", "-t", "3s")

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def specs_run(tmp: Path, server: PlainServer, specs: str, *args: str) -> tuple[int, str]:
    done, _ = run_locust(
        tmp, "-f", "locustfiles/specs.py", "--specs", specs, "--host", server.url, *args, env=AUTH
    )
    return done.returncode, done.stderr


def typo_folder(tmp: Path) -> Path:
    folder = tmp / "specs"
    folder.mkdir()
    shutil.copy(SECURE, folder / "secure.md")
    text = Path(SECURE).read_text().replace("    method: GET", "    methd: GET")
    (folder / "typo.md").write_text(text)
    return folder


def test_a_typo_among_the_specs_exits_2_before_any_request(
    server: PlainServer, tmp_path: Path
) -> None:
    """Real process: an invalid spec selected exits 2 at the locustfile's import, its
    file:line shown, not one request sent."""
    code, output = specs_run(tmp_path, server, str(typo_folder(tmp_path)), *SHORT)
    assert code == 2, output[-2000:]
    assert "typo.md:13: error: step has no method" in output
    assert "--allow-invalid" in output
    assert "Traceback" not in output
    assert not server.hits


def test_allow_invalid_runs_without_them_and_says_so(server: PlainServer, tmp_path: Path) -> None:
    """Real process: with --allow-invalid the valid spec runs, the log names the one left out."""
    code, output = specs_run(
        tmp_path, server, str(typo_folder(tmp_path)), *SHORT, "--allow-invalid"
    )
    assert code == 0, output[-2000:]
    assert re.search(r"typo\.md is invalid and left out of the run", output)
    assert server.hits["GET /secure"] > 0


def test_a_threshold_on_no_row_exits_2_before_any_request(
    server: PlainServer, tmp_path: Path
) -> None:
    """Real process: the preflight checks thresholds against the compiled specs' rows: a
    row they never make exits 2 in one line, before any request (messages: in-process)."""
    code, output = specs_run(tmp_path, server, SECURE, *SHORT, "--threshold", "GET /secur:p95<1")
    assert code == 2, output[-2000:]
    assert "no such row 'GET /secur': did you mean 'GET /secure'?" in output
    assert "Traceback" not in output
    assert not server.hits


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--specs", "nope/"), "loadspec: nope: no such file or folder"),
        (("--specs", SECURE, "--request-timeout", "0"), "--request-timeout must be more than 0"),
        (("--specs", SECURE, "--validate-responses", "lots"), "lots"),
        (("--specs", SECURE, "--baseline", "missing.json"), "--baseline missing.json: no such"),
        (("--specs", SECURE, "--max-regression", "20%"), "--max-regression needs --baseline"),
    ],
)
def test_configuration_problems_are_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    """Real process: a missing spec path or a bad option value exits 2 at the locustfile's
    import, in one line, no traceback."""
    done, _ = run_locust(tmp_path, "-f", "locustfiles/specs.py", *args, *SHORT)
    assert done.returncode == 2, done.stderr[-2000:]
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--junit", "{tmp}", "--junit {tmp}: is a folder, not a file it can write"),
        ("--json-file", "{tmp}/run", "--json-file {tmp}/run.json: is a folder, not a file it"),
        ("--load-profile", "/dev/zero", "--load-profile /dev/zero: is a character device, not"),
    ],
)
def test_report_and_profile_paths_are_checked_before_the_run(
    server: PlainServer, tmp_path: Path, option: str, value: str, message: str
) -> None:
    """Real process (issue 23): `--junit` naming a folder failed only after the whole run, and
    `--load-profile /dev/zero` hung; each exits 2 at once, in one line, before any request."""
    (tmp_path / "run.json").mkdir()  # where --json-file tmp/run would write
    given = value.format(tmp=tmp_path)
    started = time.monotonic()
    done, _ = run_locust(
        tmp_path,
        *("-f", "locustfiles/specs.py", "--specs", SECURE, "--host", server.url, *SHORT),
        *(option, given),
        env=AUTH,
        timeout=60,  # a hang fails this test, not the suite
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert time.monotonic() - started < 30
    assert message.format(tmp=tmp_path) in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not server.hits


def test_a_breach_shows_in_every_report(tmp_path: Path) -> None:
    """Real process: a breach exits 1 and is written everywhere: the console summary after
    Locust's tables, the HTML report, the --json-file entry, JUnit; waits stay out of
    Aggregated, and the final CSV holds the same counts as the JSON."""
    junit, html, json_prefix = tmp_path / "junit.xml", tmp_path / "report.html", tmp_path / "run"
    done, _ = run_locust(
        tmp_path,
        "-f",
        "locustfiles/messages.py",
        "--headless",
        "-u",
        "6",
        "-r",
        "6",
        "-t",
        "5s",
        "--threshold",
        "requests>100000000",
        "--threshold",
        "WAIT channel_active:max<60s",
        "--junit",
        str(junit),
        "--html",
        str(html),
        "--json-file",
        str(json_prefix),
    )
    output = done.stderr
    assert done.returncode == 1, output[-3000:]
    assert re.search(r"requests>100000000 +\d+ +BREACHED", output), output[-3000:]
    assert re.search(r"WAIT channel_active:max<60s +[\d.]+ ms +passed", output)
    assert "Verdict: FAILED (threshold requests>100000000 breached)" in output
    assert "GET GET" not in output and "POST POST" not in output
    page = html.read_text()
    assert "loadspec-verdict" in page and "requests&gt;100000000" in page and "breached" in page
    rows = json.loads((tmp_path / "run.json").read_text())
    (verdict,) = [r for r in rows if r.get("method") == "VERDICT"]
    assert verdict["passed"] is False
    assert [t["passed"] for t in verdict["thresholds"]] == [False, True]
    cases = ET.parse(junit).getroot().iter("testcase")
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert "requests>100000000" in failed
    assert_aggregate_is_requests_only(tmp_path / "run_stats.csv", rows)


def assert_aggregate_is_requests_only(path: Path, json_rows: list[dict[str, object]]) -> None:
    """Aggregated counts requests only, and the CSV agrees with the final JSON."""
    with path.open() as handle:
        table = list(csv.DictReader(handle))
    (total,) = [r for r in table if r["Name"] == "Aggregated"]
    requests = [r for r in table if r["Type"] not in ("WAIT", "CALLBACK", "")]
    assert any(r["Type"] == "WAIT" for r in table)
    assert int(total["Request Count"]) == sum(int(r["Request Count"]) for r in requests)
    counted = {
        (r["method"], r["name"]): r["num_requests"] for r in json_rows if "num_requests" in r
    }
    assert counted == {(r["Type"], r["Name"]): int(r["Request Count"]) for r in table if r["Type"]}


def test_abort_stops_the_run_at_the_first_breach(server: PlainServer, tmp_path: Path) -> None:
    """Real process: the abort watcher stops a run at its first breach (`fail_rate<5%:abort`,
    a setup that always fails, 60 s asked): exit 1, the verdict says aborted, JUnit written."""
    spec = str(DATA / "load" / "aborting.md")
    junit = tmp_path / "junit.xml"
    code, output = specs_run(
        tmp_path,
        server,
        spec,
        "--headless",
        "-u",
        "2",
        "-t",
        "60s",
        "--threshold",
        "fail_rate<5%:abort",
        "--junit",
        str(junit),
    )
    assert code == 1, output[-2000:]
    assert "aborting the run" in output
    assert "Verdict: FAILED (aborted by fail_rate<5%:abort" in output
    assert "Run time limit" in output and "--run-time limit reached" not in output
    assert junit.is_file()


def test_pending_waits_at_the_end_fail_the_run(tmp_path: Path) -> None:
    """Real process: half the callbacks dropped, the waits still pending when the run stops
    get their grace, then fail (the failures CSV names them) and fail the run (exit 1)."""
    with StubServer(activation_delay="fixed:50", faults=Faults(callback_drop_rate=0.5)) as gw:
        done, rows = run_locust(
            tmp_path,
            "-f",
            "locustfiles/messages.py",
            "--host",
            gw.url,
            "--headless",
            # Enough users that some of the waiting ones (about a third) surely lose their
            # callback: with 4 of them, all 4 callbacks arrived in 1 run of 16.
            "-u",
            "24",
            "-r",
            "24",
            "-t",
            "8s",
            env=named_gateway(gw),
        )
    assert done.returncode == 1, done.stderr[-3000:]
    wait = rows[("WAIT", "channel_active")]
    assert wait.failures >= 1
    errors = [f["Error"] for f in read_failures(tmp_path / "run_failures.csv")]
    assert "channel_active: still waiting at the end of the run" in errors
    assert "waits still pending at the end of the run: channel_active x" in done.stderr


def test_failure_messages_are_plain_text(tmp_path: Path) -> None:
    """Real process: contract breaks (messages with quotes) read as written in the failures
    CSV and the console: no exception repr, no escapes."""
    faults = Faults(contract_break_rate=0.5)
    with StubServer(activation_delay="fixed:50", faults=faults) as gateway:
        done, _ = run_locust(
            tmp_path,
            "-f",
            "locustfiles/messages.py",
            "--host",
            gateway.url,
            "--validate-responses",
            "1",
            "--headless",
            "-u",
            "4",
            "-r",
            "4",
            "-t",
            "4s",
            env=named_gateway(gateway),
        )
    errors = [f["Error"] for f in read_failures(tmp_path / "run_failures.csv")]
    assert errors, done.stderr[-2000:]
    assert not [e for e in errors if "CatchResponseError" in e or "\\'" in e], errors
    assert any("contract: " in e for e in errors)
    assert "CatchResponseError" not in done.stderr
    assert "POST POST" not in done.stderr
    assert read_stats(tmp_path / "run_stats.csv")
