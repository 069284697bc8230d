"""How runs end and compare: interrupts, baselines, the web UI's live Thresholds tab.

Every test here starts real Locust and gateway processes; the comparison and verdict logic
are tested in-process in `tests/verdicts/`.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from loadspec.stub import Faults, StubServer
from loadspec.stub.config import parse_delay
from tests.conftest import ROOT
from tests.load.runs import LOCUST, free_port, named_gateway, read_stats, run_locust

MESSAGES = ("-f", "locustfiles/messages.py")

pytestmark = pytest.mark.slow


def reports(tmp: Path) -> list[str]:
    return [
        "--csv",
        str(tmp / "run"),
        "--html",
        str(tmp / "report.html"),
        "--json-file",
        str(tmp / "run"),
        "--junit",
        str(tmp / "junit.xml"),
    ]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_an_interrupt_stops_users_before_the_gateway(tmp_path: Path, sig: signal.Signals) -> None:
    """Real process: SIGTERM/SIGINT mid-run stops the users before the gateway: exit 0, no
    failure from the stop, every report (CSV, JSON, JUnit, HTML) written and complete."""
    process = subprocess.Popen(
        [*LOCUST, *MESSAGES, "--headless", "-u", "6", "-r", "6", "-t", "60s", *reports(tmp_path)],
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(10)
        process.send_signal(sig)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, output[-3000:]
    assert "Traceback" not in output and "KeyboardInterrupt" not in output
    rows = read_stats(tmp_path / "run_stats.csv")
    assert rows and not any(row.failures for row in rows.values()), output[-3000:]
    assert rows[("WAIT", "channel_active")].requests >= 1
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0"
    entries = json.loads((tmp_path / "run.json").read_text())
    counted = {(e["method"], e["name"]): e["num_requests"] for e in entries if "num_requests" in e}
    assert counted == {key: row.requests for key, row in rows.items()}
    page = (tmp_path / "report.html").read_text()
    assert "loadspec-verdict" in page and "</html>" in page
    assert "Verdict: PASSED (no failures)" in output


def stub_run(tmp: Path, gateway: StubServer, *args: str) -> subprocess.CompletedProcess[str]:
    done, _ = run_locust(
        tmp,
        *MESSAGES,
        "--host",
        gateway.url,
        "--headless",
        "-u",
        "8",
        "-r",
        "8",
        "-t",
        "4s",
        *args,
        env=named_gateway(gateway),
    )
    return done


def test_a_baseline_catches_a_regression(tmp_path: Path) -> None:
    """Real process: a --json-file output Locust wrote reads as a baseline; +150 ms on every
    answer then exits 1, the regressed rows named in the console, JUnit and HTML."""
    first, slow = tmp_path / "first", tmp_path / "slow"
    for folder in (first, slow):
        folder.mkdir()
    with StubServer(activation_delay="fixed:100") as gateway:
        assert stub_run(first, gateway, "--json-file", str(first / "base")).returncode == 0
    # A generous limit: +150 ms is +900% on these rows, while a 4 s run's p99 on a busy
    # machine moves by tens of percent from noise alone.
    compared = ("--baseline", str(first / "base.json"), "--max-regression", "300%")
    with StubServer(
        activation_delay="fixed:100", faults=Faults(latency=parse_delay("fixed:150"))
    ) as gateway:
        regressed = stub_run(
            slow,
            gateway,
            *compared,
            "--junit",
            str(slow / "junit.xml"),
            "--html",
            str(slow / "r.html"),
        )
    assert regressed.returncode == 1, regressed.stderr[-3000:]
    assert "POST /business/communication/messages p95 regressed +" in regressed.stderr
    assert "REGRESSED" in regressed.stderr
    cases = ET.parse(slow / "junit.xml").getroot().iter("testcase")
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert "POST /business/communication/messages p95" in failed
    assert "regressed" in (slow / "r.html").read_text()


@pytest.mark.timeout(120)
def test_the_web_ui_shows_thresholds_live(tmp_path: Path) -> None:
    """Real process: the web UI's Thresholds tab (Locust's extended tabs) gets the verdict's
    rows on every stats poll, the breach marked; its HTML report carries the section."""
    port = free_port()
    ui = subprocess.Popen(
        [
            *LOCUST,
            *MESSAGES,
            "--web-host",
            "127.0.0.1",
            "--web-port",
            str(port),
            "--threshold",
            "requests>100000000",
            "--threshold",
            "fail_rate<1%",
        ],
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        page = _get(base + "/", timeout=30)
        assert "loadspec-thresholds" in page
        form = urllib.parse.urlencode({"user_count": 4, "spawn_rate": 4}).encode()
        urllib.request.urlopen(base + "/swarm", data=form, timeout=10).close()
        time.sleep(3)
        data = json.loads(_get(base + "/stats/requests"))
        (tab,) = data["extended_stats"]
        rows = {row["check"]: row for row in tab["data"]}
        assert rows["requests>100000000"]["verdict"] == "breached"
        assert rows["fail_rate<1%"]["verdict"] == "passed"
        assert "loadspec-verdict" in _get(base + "/stats/report")
        urllib.request.urlopen(base + "/stop", data=b"", timeout=10).close()
    finally:
        ui.terminate()
        output, _ = ui.communicate(timeout=30)
    assert "Traceback" not in output, output[-3000:]


def _get(url: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)
