"""A user's own API: the OpenAPI 3 Petstore's specs as load against a server that is not ours.

The specs name no token; the run is given only LOADSPEC_CREDENTIAL_API_KEY and
LOADSPEC_CREDENTIAL_PETSTORE_AUTH, and a --host with the contract's servers path and a
trailing slash, as people type it. What the server received proves what each request carried.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DATA
from tests.load.runs import run_locust
from tests.petstore_server import API_KEY, BASE, PETSTORE_AUTH, PetstoreServer

pytestmark = pytest.mark.slow  # every test here starts real Locust processes

SPECS = DATA / "petstore" / "specs"


@pytest.fixture
def server() -> Iterator[PetstoreServer]:
    with PetstoreServer() as running:
        yield running


def _no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """No LOADSPEC_TOKEN_* nor LOADSPEC_CREDENTIAL_* from the environment the tests run in."""
    for name in list(os.environ):
        if name.startswith(("LOADSPEC_TOKEN_", "LOADSPEC_CREDENTIAL_")):
            monkeypatch.delenv(name)


def test_petstore_specs_run_as_load_with_the_contracts_schemes(
    server: PetstoreServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request carries the scheme its operation declares; rows are the contract's
    operations; a threshold on `GET /pet/{petId}` is judged."""
    for name in [
        n for n in os.environ if n.startswith(("LOADSPEC_TOKEN_", "LOADSPEC_CREDENTIAL_"))
    ]:
        monkeypatch.delenv(name)
    env = {
        "LOADSPEC_CREDENTIAL_API_KEY": API_KEY,
        "LOADSPEC_CREDENTIAL_PETSTORE_AUTH": PETSTORE_AUTH,
    }
    done, rows = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        str(SPECS),
        "--host",
        f"{server.url}{BASE}/",
        "--headless",
        "-u",
        "3",
        "-r",
        "3",
        "-t",
        "4s",
        "--threshold",
        "GET /pet/{petId}: fail_rate <= 0",
        "--json-file",
        str(tmp_path / "verdict"),
        env=env,
    )
    output = done.stderr
    assert done.returncode == 0, output[-3000:]
    assert {name for _, name in rows} == {
        "/pet",
        "/pet/{petId}",
        "/store/inventory",
        "/user/login",
    }
    assert all(row.failures == 0 and row.requests > 0 for row in rows.values()), rows
    received = {(r.operation, r.authorization, r.api_key, r.status) for r in server.received}
    assert received == {
        ("POST /pet", f"Bearer {PETSTORE_AUTH}", None, 200),
        ("GET /pet/{petId}", None, API_KEY, 200),
        ("GET /store/inventory", None, API_KEY, 200),
        ("GET /user/login", None, None, 200),
    }
    assert "GET /pet/{petId}: fail_rate <= 0" in output
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    assert "GET /pet/{petId}" in json.dumps(verdict)
    assert API_KEY not in output and PETSTORE_AUTH not in output


def test_a_missing_scheme_secret_stops_the_run_naming_it(
    server: PetstoreServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without LOADSPEC_CREDENTIAL_API_KEY: exit 2 before any request, naming the spec, the
    step, the scheme and the variable."""
    for name in [
        n for n in os.environ if n.startswith(("LOADSPEC_TOKEN_", "LOADSPEC_CREDENTIAL_"))
    ]:
        monkeypatch.delenv(name)
    done, _ = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        str(SPECS),
        "--host",
        f"{server.url}{BASE}",
        "--headless",
        "-t",
        "2s",
        env={"LOADSPEC_CREDENTIAL_PETSTORE_AUTH": PETSTORE_AUTH},
    )
    assert done.returncode == 2, done.stderr[-3000:]
    assert (
        "store_inventory.md:18: step main_request: GET /store/inventory needs api_key "
        "(apiKey in header api_key): set LOADSPEC_CREDENTIAL_API_KEY"
    ) in done.stderr
    assert not server.received


def test_petstore_specs_pass_check_with_the_contracts_schemes(
    server: PetstoreServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`loadspec check` of the same specs, the same two secrets: every spec PASSes against
    the contract, each request carrying its operation's scheme."""
    _no_credentials(monkeypatch)
    env = {
        **os.environ,
        "LOADSPEC_CREDENTIAL_API_KEY": API_KEY,
        "LOADSPEC_CREDENTIAL_PETSTORE_AUTH": PETSTORE_AUTH,
    }
    done = subprocess.run(
        [sys.executable, "-m", "loadspec", "check", str(SPECS), "--host", f"{server.url}{BASE}/",
         "--json", str(tmp_path / "r.json")],
        capture_output=True, text=True, timeout=120, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((tmp_path / "r.json").read_text())["results"]
    assert {(r["endpoint"], r["status"]) for r in results} == {
        ("GET /pet/{petId}", "PASS"),
        ("GET /store/inventory", "PASS"),
        ("GET /user/login", "PASS"),
    }
    received = {(r.operation, r.authorization, r.api_key) for r in server.received}
    assert received == {
        ("POST /pet", f"Bearer {PETSTORE_AUTH}", None),
        ("GET /pet/{petId}", None, API_KEY),
        ("GET /store/inventory", None, API_KEY),
        ("GET /user/login", None, None),
    }
    assert API_KEY not in done.stdout + done.stderr


def test_without_a_host_check_runs_the_petstore_specs_against_a_mock_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No host, no credential: the embedded default is a mock of the specs' contract, whose
    schemes take a stand-in secret; every spec passes, and the report names the mock."""
    _no_credentials(monkeypatch)
    done = subprocess.run(
        [sys.executable, "-m", "loadspec", "check", str(SPECS)],
        capture_output=True, text=True, timeout=120, check=False, env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "started a MOCK of 1 contract(s)" in done.stderr
    assert "3 spec(s) against a MOCK of 1 contract(s)" in done.stdout
    assert "3 passed" in done.stdout
