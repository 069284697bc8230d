"""Load against a faulty gateway: every fault is a counted, specific failure; the run goes on."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from loadspec.stub import Faults, StubServer
from tests.load.runs import named_gateway, read_failures, run_locust

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

MESSAGES = ("POST", "/business/communication/messages")
RUN = ("-f", "locustfiles/messages.py", "--headless", "-u", "8", "-r", "8", "-t", "8s")


def test_contract_violations_fail_requests_when_checked(tmp_path: Path) -> None:
    """--validate-responses 1 with the contract-breaking fault: violations in the stats."""
    faults = Faults(contract_break_rate=0.3)
    with StubServer(activation_delay="fixed:100", faults=faults) as gateway:
        done, rows = run_locust(
            tmp_path,
            *RUN,
            "--host",
            gateway.url,
            "--validate-responses",
            "1",
            env=named_gateway(gateway),
        )
    assert done.returncode == 1, done.stderr[-3000:]
    assert "checking 100% of responses against the specs' contracts" in done.stderr
    failures = read_failures(tmp_path / "run_failures.csv")
    contract = [f for f in failures if "contract: " in f["Error"]]
    assert contract, failures
    assert rows[MESSAGES].failures > 0


def test_no_violations_without_the_fault(tmp_path: Path) -> None:
    """The same run against a healthy gateway: every response conforms, zero failures."""
    with StubServer(activation_delay="fixed:100") as gateway:
        done, rows = run_locust(
            tmp_path,
            *RUN,
            "--host",
            gateway.url,
            "--validate-responses",
            "1",
            env=named_gateway(gateway),
        )
    assert done.returncode == 0, done.stderr[-3000:]
    assert rows[MESSAGES].requests > 0
    assert not any(row.failures for row in rows.values())


def test_unchecked_run_does_not_see_contract_breaks(tmp_path: Path) -> None:
    """Without --validate-responses a body that breaks the schema but parses is not a failure."""
    faults = Faults(contract_break_rate=0.3)
    with StubServer(activation_delay="fixed:100", faults=faults) as gateway:
        done, _ = run_locust(tmp_path, *RUN, "--host", gateway.url, env=named_gateway(gateway))
    failures = read_failures(tmp_path / "run_failures.csv")
    assert not [f for f in failures if "contract: " in f["Error"]]
    assert done.stderr.count("Traceback") == 0


def test_server_faults_are_counted_with_specific_messages(tmp_path: Path) -> None:
    """Errors, resets and garbage bodies are failures with what happened; reports are written."""
    faults = Faults(error_rate=0.05, reset_rate=0.02, malformed_rate=0.05)
    with StubServer(activation_delay="fixed:100", faults=faults) as gateway:
        done, rows = run_locust(tmp_path, *RUN, "--host", gateway.url, env=named_gateway(gateway))
    assert done.returncode == 1
    assert (tmp_path / "run_stats.csv").is_file()
    errors = " | ".join(f["Error"] for f in read_failures(tmp_path / "run_failures.csv"))
    assert "expected status 201, got 500" in errors
    assert "body is not JSON" in errors
    assert "no response" in errors
    assert rows[MESSAGES].requests > rows[MESSAGES].failures > 0
    assert "Traceback" not in done.stderr


def test_lost_callbacks_fail_the_wait_and_the_user_retries(tmp_path: Path) -> None:
    """Dropped activation callbacks: the wait fails at its timeout, the setup is retried."""
    faults = Faults(callback_drop_rate=1.0)
    spec = tmp_path / "short_wait.md"
    source = Path("specs/communication/post_business_communication_messages_on_active_channel.md")
    spec.write_text(source.read_text().replace("timeout: 30000", "timeout: 1000"))
    with StubServer(activation_delay="fixed:50", faults=faults) as gateway:
        _, rows = run_locust(
            tmp_path,
            "-f",
            "locustfiles/specs.py",
            "--specs",
            str(spec),
            "--host",
            gateway.url,
            "--headless",
            "-u",
            "2",
            "-r",
            "2",
            "-t",
            "5s",
            env=named_gateway(gateway),
        )
    wait = rows[("WAIT", "channel_active")]
    assert wait.requests == wait.failures >= 2
    assert MESSAGES not in rows
    (failure,) = read_failures(tmp_path / "run_failures.csv")
    assert "channel_active: no channel.status callback within 1 s" in failure["Error"]


def test_junit_report_parses_whatever_the_server_sends(tmp_path: Path) -> None:
    """Malformed bodies (with NUL bytes) end up in failure messages; the JUnit file still parses."""
    junit = tmp_path / "junit.xml"
    with StubServer(activation_delay="fixed:100", faults=Faults(malformed_rate=0.2)) as gateway:
        done, rows = run_locust(
            tmp_path,
            *RUN,
            "--host",
            gateway.url,
            "--junit",
            str(junit),
            env=named_gateway(gateway),
        )
    assert done.returncode == 1, done.stderr[-3000:]
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 1
    texts = [f.text or "" for f in suite.iter("failure")]
    assert any("body is not JSON" in text for text in texts), texts
    assert "\x00" not in junit.read_text(encoding="utf-8")
    assert sum(row.failures for row in rows.values()) > 0
