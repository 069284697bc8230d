"""The embedded default: without a host, the gateway when it serves the specs, else a mock of
their contracts, said at the start and in the summary (check, fuzz and a load run)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from loadspec.mock.embedded import choose_embedded
from loadspec.stub.served import serves
from tests.conftest import DATA, ROOT
from tests.load.runs import run_locust
from tests.mock.support import PETSTORE

SPECS = DATA / "mock" / "specs"


def test_gateway_endpoints_keep_the_gateway() -> None:
    endpoints = [("POST", "/business/communication/channels"), ("GET", "/platform/v1/clients")]
    assert serves("PUT", "/business/communication/messages/{message_uid}")
    assert not choose_embedded(endpoints, [PETSTORE]).is_mock


def test_any_other_endpoint_gets_a_mock_of_the_contracts() -> None:
    choice = choose_embedded([("POST", "/api/v3/pet"), ("GET", "/platform/v1/clients")], [PETSTORE])
    assert choice.is_mock
    assert choice.contracts == (PETSTORE.resolve(),)
    assert choice.unserved == ("POST /api/v3/pet",)
    line = choice.line("http://127.0.0.1:1")
    assert "does not serve POST /api/v3/pet" in line and "not from an API" in line
    assert choice.describe("http://127.0.0.1:1") == (
        "a MOCK of 1 contract(s) at http://127.0.0.1:1 (not the API)"
    )


def test_without_contracts_the_gateway_stays_and_says_it_cannot_serve() -> None:
    choice = choose_embedded([("GET", "/elsewhere")], [])
    assert not choice.is_mock and choice.unservable


@pytest.mark.slow
def test_check_without_a_host_runs_against_a_mock_and_says_so() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loadspec", "check", str(SPECS)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "started a MOCK of 1 contract(s)" in done.stderr.splitlines()[0]
    assert "2 spec(s) against a MOCK of 1 contract(s)" in done.stdout
    assert "2 passed" in done.stdout


@pytest.mark.slow
def test_fuzz_without_a_url_runs_against_a_mock_and_says_so() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "loadspec",
            "fuzz",
            "--max-examples",
            "5",
            "--seed",
            "1",
            str(SPECS),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "started a MOCK of 1 contract(s)" in done.stderr
    assert "to a MOCK of 1 contract(s)" in done.stdout


@pytest.mark.slow
def test_a_load_run_without_a_host_runs_against_a_mock_and_says_so(tmp_path: Path) -> None:
    args = ["-f", "locustfiles/specs.py", "--specs", str(SPECS / "post_pet.md")]
    done, rows = run_locust(tmp_path, *args, "--headless", "-u", "2", "-r", "2", "-t", "3s")
    output = done.stdout + done.stderr
    assert "started a MOCK of 1 contract(s)" in output
    assert "this run was against a MOCK of 1 contract(s)" in output
    read = [row for (kind, name), row in rows.items() if kind == "GET"]
    assert read and all(row.requests > 0 and row.failures == 0 for row in read)
