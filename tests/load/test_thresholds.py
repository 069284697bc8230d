"""CI runs: with thresholds given, the verdict sets the exit code, whatever Locust counted.

What thresholds read, refuse and measure is tested in-process (`tests/verdicts/`); this file
starts real Locust processes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.load.runs import run_locust
from tests.plain_server import TOKEN, PlainServer

pytestmark = pytest.mark.slow


@pytest.fixture
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def test_thresholds_that_hold_pass_a_run_with_failures(server: PlainServer, tmp_path: Path) -> None:
    """Real process: a run whose thresholds hold exits 0 although requests failed.

    Locust alone exits 1 on any failure; the verdict, decided at `quitting`, sets the exit
    code instead, prints its summary after Locust's tables, and the JUnit file still shows
    the failed row beside the threshold that held.
    """
    junit = tmp_path / "junit.xml"
    done, rows = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        str(DATA / "load" / "aborting.md"),
        "--host",
        server.url,
        "--headless",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "3s",
        "--threshold",
        "requests>0",
        "--junit",
        str(junit),
        env={"LOADSPEC_TOKEN_STAFF": TOKEN},
    )
    output = done.stderr
    assert done.returncode == 0, output[-2000:]
    assert any(row.failures for row in rows.values()), output[-2000:]
    assert re.search(r"requests>0 +\d+ +passed", output), output[-2000:]
    assert "Verdict: PASSED (all 1 thresholds held)" in output
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    failed = {c.get("classname") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert "thresholds" not in failed and failed, ET.tostring(suite, encoding="unicode")
