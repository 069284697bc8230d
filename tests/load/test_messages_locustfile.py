"""`locust -f locustfiles/messages.py` as a new user runs it: embedded gateway, webhook waits."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.load.runs import LOCUST, free_port, read_stats, run_locust

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

CHANNELS = ("POST", "/business/communication/channels")
CLIENTS = ("GET", "/platform/v1/clients")
MESSAGES = ("POST", "/business/communication/messages")
ACTIVATION = ("WAIT", "channel_active")
HEADLESS = ("-f", "locustfiles/messages.py", "--headless", "-u", "20", "-r", "10")


def assert_clean_chain(rows: dict[tuple[str, str], object], output: str) -> None:
    """Rows for the three endpoints and the activation wait, and not one failure."""
    for key in (CHANNELS, CLIENTS, MESSAGES, ACTIVATION):
        assert key in rows, (key, sorted(rows), output[-3000:])
    failed = {key: row for key, row in rows.items() if row.failures}  # type: ignore[attr-defined]
    assert not failed, output[-3000:]
    # Every message went to an active channel: the gateway refuses the rest, and nothing failed.
    assert rows[MESSAGES].requests > 100  # type: ignore[attr-defined]
    assert rows[ACTIVATION].requests >= 1  # type: ignore[attr-defined]


def test_headless_run_on_the_embedded_gateway(tmp_path: Path) -> None:
    """No --host: the gateway starts, waits replace the seed's sleep, zero failures, exit 0."""
    done, rows = run_locust(tmp_path, *HEADLESS, "-t", "15s")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "started the embedded gateway at http://127.0.0.1:" in done.stderr
    assert "skipping specs/communication/post_business_communication_messages.md" in done.stderr
    assert_clean_chain(rows, done.stderr)
    assert ("CALLBACK", "channel.status (matched)") in rows


def test_two_processes(tmp_path: Path) -> None:
    """--processes 2: the master's listener is the one advertised, relaying to both workers
    (each keeps a listener of its own); still zero failures."""
    done, rows = run_locust(tmp_path, *HEADLESS, "-t", "12s", "--processes", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("webhook listener on http://127.0.0.1:") == 3
    assert done.stderr.count("this worker sent") == 2
    assert_clean_chain(rows, done.stderr)


def test_master_and_two_workers(tmp_path: Path) -> None:
    """A master (which starts the gateway) and two separately started workers."""
    port = free_port()
    master = subprocess.Popen(
        [
            *LOCUST,
            *HEADLESS,
            "-t",
            "12s",
            "--master",
            "--expect-workers",
            "2",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--csv",
            str(tmp_path / "run"),
        ],
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    workers = [
        subprocess.Popen(
            [
                *LOCUST,
                "-f",
                "locustfiles/messages.py",
                "--worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        output, _ = master.communicate(timeout=120)
        for worker in workers:
            worker.wait(timeout=30)
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.kill()
                process.wait()
    exceptions = tmp_path / "run_exceptions.csv"
    details = exceptions.read_text() if exceptions.is_file() else "(no exceptions file)"
    assert master.returncode == 0, output[:4000] + "\n...\n" + details
    assert_clean_chain(read_stats(tmp_path / "run_stats.csv"), output)


def test_seed_runs_when_skipped_specs_are_included(tmp_path: Path) -> None:
    """--include-skipped runs the verbatim seed too (slower: it sleeps 5 s after creating)."""
    # The seed's message_uid is "test-msg-{{now_timestamp}}", the millisecond: unpaced, a user
    # sent two messages within one millisecond on its channel (one 409 in 49,007 in CI). A
    # think time keeps each user's messages milliseconds apart; the gateway is right to refuse.
    think = ("--think-time", "10ms")
    done, rows = run_locust(tmp_path, *HEADLESS, "-t", "12s", "--include-skipped", *think)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "skipping" not in done.stderr
    assert rows[MESSAGES].requests > 0
    assert not any(row.failures for row in rows.values()), done.stderr[-3000:]


@pytest.mark.timeout(120)
def test_web_ui_starts_a_run_and_shows_spec_rows(tmp_path: Path) -> None:
    """The web UI, driven over its HTTP API as the browser does: its start form offers the
    options that take effect at a start (never --specs, the listener or a secret), refuses a
    bad one or an unlisted host before anything starts, and a start with thresholds judges
    them; the run shows the spec-named rows."""
    import json
    import urllib.parse
    import urllib.request

    port = free_port()
    ui = subprocess.Popen(
        [
            *LOCUST,
            "-f",
            "locustfiles/messages.py",
            "--web-host",
            "127.0.0.1",
            "--web-port",
            str(port),
        ],
        stdin=subprocess.DEVNULL,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def swarm(**fields: object) -> dict[str, object]:
        form = urllib.parse.urlencode({"user_count": 6, "spawn_rate": 6, **fields}).encode()
        with urllib.request.urlopen(base + "/swarm", data=form, timeout=30) as response:
            answer: dict[str, object] = json.loads(response.read())
            return answer

    try:
        _wait_for(base + "/")
        with urllib.request.urlopen(base + "/", timeout=10) as response:
            page = response.read().decode()
        extra = json.loads(re.search(r"window.templateArgs = (\{.*\})", page)[1])["extra_options"]
        assert {"threshold", "validate_responses", "think_time", "iterations"} <= set(extra)
        assert not {"specs", "allow_host", "webhook_listen", "load_profile"} & set(extra)
        assert not any(option["is_secret"] for option in extra.values())
        refused = swarm(threshold="GET /nowhere:p95<1")
        assert refused["success"] is False and "no such row" in str(refused["message"])
        refused = swarm(think_time="soon")
        assert refused["success"] is False and "is not a duration" in str(refused["message"])
        refused = swarm(host="http://192.0.2.1:8080")
        assert refused["success"] is False and "not a loopback address" in str(refused["message"])
        assert swarm(threshold="requests>0,fail_rate<50%")["success"] is True
        deadline = time.monotonic() + 60
        names: set[str] = set()
        checks: list[str] = []
        while time.monotonic() < deadline and ACTIVATION[1] not in names:
            time.sleep(1)
            with urllib.request.urlopen(base + "/stats/requests", timeout=10) as response:
                data = json.loads(response.read())
            names = {row["name"] for row in data["stats"]}
            checks = [row["check"] for row in data["extended_stats"][0]["data"]]
        urllib.request.urlopen(base + "/stop", data=b"", timeout=10).close()
    finally:
        ui.terminate()
        output, _ = ui.communicate(timeout=30)
    assert {CHANNELS[1], CLIENTS[1], MESSAGES[1], ACTIVATION[1]} <= names, output[-3000:]
    assert checks == ["requests>0", "fail_rate<50%"], output[-3000:]
    assert "embedded gateway stopped" in output


def _wait_for(url: str, timeout: float = 30) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
