"""CI runs: thresholds decide the exit code; JUnit says what passed and what did not."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadspec.errors import LoadspecError
from loadspec.locust.thresholds import parse_threshold
from tests.load.runs import run_locust
from tests.plain_server import TOKEN, PlainServer


@pytest.mark.parametrize(
    ("text", "row", "metric", "op", "value"),
    [
        ("p95<300", None, "p95", "<", 300.0),
        ("p99.9 <= 2s", None, "p99.9", "<=", 2000.0),
        ("fail_rate<1%", None, "fail_rate", "<", 0.01),
        (
            "POST /business/communication/messages:p99<500",
            "POST /business/communication/messages",
            "p99",
            "<",
            500.0,
        ),
        ("WAIT channel_active: max < 5000", "WAIT channel_active", "max", "<", 5000.0),
        ("rps>=100", None, "rps", ">=", 100.0),
    ],
)
def test_parse(text: str, row: str | None, metric: str, op: str, value: float) -> None:
    """Rows, metrics, operators and units as documented."""
    threshold = parse_threshold(text)
    assert (threshold.row, threshold.metric, threshold.op, threshold.value) == (
        row,
        metric,
        op,
        value,
    )


@pytest.mark.parametrize("text", ["p95", "p95<<3", "latency<3", "p95<fast"])
def test_parse_errors(text: str) -> None:
    """A malformed threshold is a clear error naming the form."""
    with pytest.raises(LoadspecError, match="threshold"):
        parse_threshold(text)


@pytest.fixture
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def run(server: PlainServer, tmp_path: Path, *thresholds: str) -> tuple[int, ET.Element, str]:
    junit = tmp_path / "junit.xml"
    args = [a for t in thresholds for a in ("--threshold", t)]
    done, _ = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        "tests/data/load/secure.md",
        "--host",
        server.url,
        "--headless",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "3s",
        "--junit",
        str(junit),
        *args,
        env={"LOADSPEC_TOKEN_STAFF": TOKEN},
    )
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    return done.returncode, suite, done.stderr


def test_thresholds_that_hold_pass(server: PlainServer, tmp_path: Path) -> None:
    """Generous thresholds: exit 0, every JUnit case passes."""
    code, suite, output = run(server, tmp_path, "p95<5s", "GET /secure:fail_rate<1%")
    assert code == 0, output[-2000:]
    assert suite.get("failures") == "0"
    names = [case.get("name") for case in suite.findall("testcase")]
    assert names == ["p95<5s", "GET /secure:fail_rate<1%", "GET /secure"]
    assert "Verdict: PASSED (all 2 thresholds held)" in output
    assert re.search(r"p95<5s +\d+ ms +passed", output), output[-2000:]


def test_a_breach_fails_the_run(server: PlainServer, tmp_path: Path) -> None:
    """An impossible bound: exit 1, the case fails with the actual value."""
    code, suite, output = run(server, tmp_path, "requests>1000000000")
    assert code == 1
    (case,) = [c for c in suite.findall("testcase") if c.get("classname") == "thresholds"]
    failure = case.find("failure")
    assert failure is not None and "breached (measured " in failure.get("message", "")
    assert re.search(r"requests>1000000000 +\d+ +BREACHED", output), output[-2000:]
    assert "Verdict: FAILED (threshold requests>1000000000 breached)" in output


def test_bad_threshold_is_a_usage_error(tmp_path: Path) -> None:
    """A malformed --threshold stops before anything runs, with the form to use."""
    done, _ = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        "tests/data/load",
        "--headless",
        "-t",
        "1s",
        "--threshold",
        "p95 fast",
    )
    assert done.returncode != 0
    assert "is not [ROW:]METRIC<VALUE" in done.stderr
