"""locust and schemathesis in one process: which import order works, and why the layers stay apart.

locust patches the standard library with gevent when it is imported. requests/urllib3, which
schemathesis sends its requests with, build an `ssl.SSLContext` subclass when they are imported;
patching ssl after that fails with a RecursionError. So in one process locust must come first.
Each case runs in a fresh interpreter: this pytest process has already imported urllib3 through
schemathesis' own pytest plugin.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # real processes: schemathesis runs or fresh interpreters

_FUZZ_AND_LOAD = """
import locust  # first: gevent patches ssl and socket before requests/urllib3 exist
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from pathlib import Path

from loadspec import load_specs
from loadspec.fuzz import Credentials, PlanOptions, plan_fuzz
from loadspec.fuzz.engine import FuzzSettings, run_fuzz
from loadspec.stub import StubServer

token = "isolation-token-1234"
with StubServer(tokens=(token,), activation_delay="0", seed=1) as stub:
    # locust's side: a request through its gevent HTTP client.
    session = FastHttpSession(stub.url, request_event=Environment().events.request, user=None)
    assert session.get("/__stub/health").status_code == 200
    # schemathesis' side: its engine, sending with requests, on one operation.
    credentials = Credentials.single(token)
    plan = plan_fuzz(
        load_specs([Path("specs/communication/post_business_communication_channels.md")]),
        PlanOptions(credentials, {"business_id": "b1"}),
    )
    settings = FuzzSettings(stub.url, credentials, max_examples=5, phases=("fuzzing",), seed=1)
    result = run_fuzz(plan, settings, progress=lambda line: None)
    assert not result.failed, result
    assert result.operations[0].cases > 0
print("both worked")
"""

_SCHEMATHESIS_FIRST = """
from loadspec.fuzz import engine  # imports schemathesis: no requests yet, it loads lazily
import requests  # what the first fuzz request does
import locust  # too late: gevent cannot patch ssl under urllib3 any more
"""

_TEST_IMPORTING_LOCUST = """
import locust


def test_locust_imported():
    assert locust.__version__
"""


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_locust_first_then_schemathesis_both_work() -> None:
    """Import locust first, then the fuzz engine: a Locust request and a fuzz run both work."""
    done = _python(_FUZZ_AND_LOAD)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "both worked" in done.stdout


def test_requests_before_locust_breaks_gevent_patching() -> None:
    """The reverse order fails at `import locust`: the reason only the fuzz layer imports it."""
    done = _python(_SCHEMATHESIS_FIRST)
    assert done.returncode != 0
    assert "RecursionError" in done.stderr


def test_pytest_needs_schemathesis_plugin_off_to_import_locust(tmp_path: Path) -> None:
    """In pytest, schemathesis' plugin loads urllib3 at startup; `-p no:schemathesis` fixes it."""
    test_file = tmp_path / "test_imports_locust.py"
    test_file.write_text(textwrap.dedent(_TEST_IMPORTING_LOCUST), encoding="utf-8")
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)]

    def pytest_run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *extra], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
        )

    with_plugin = pytest_run()
    assert with_plugin.returncode != 0
    assert "RecursionError" in with_plugin.stdout + with_plugin.stderr
    without_plugin = pytest_run("-p", "no:schemathesis")
    assert without_plugin.returncode == 0, without_plugin.stdout[-3000:]
