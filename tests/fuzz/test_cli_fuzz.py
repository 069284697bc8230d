"""`loadspec fuzz` as a user runs it: the embedded gateway, a faulty gateway, bad input, reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from loadspec.stub import StubServer

from .conftest import ROOT, SEED, TOKEN, write_spec

FAST = ("--max-examples", "8", "--seed", SEED)
GATEWAY_CONTRACT = ROOT / "swagger" / "communication" / "legacy" / "communication.json"


@pytest.mark.slow
def test_embedded_gateway_passes(cli: Any, tmp_path: Path) -> None:
    """The issue's first "done when": the project's specs against the embedded gateway pass."""
    junit = tmp_path / "out" / "fuzz.xml"
    run = cli("fuzz", "specs/communication/", *FAST, "--junit", str(junit))
    assert run.code == 0, run.text
    assert "the embedded gateway (http://127.0.0.1:" in run.out
    assert "PASSED   POST /business/communication/channels" in run.out
    assert "PASSED   GET /platform/v1/clients" in run.out
    assert "FAILED" not in run.out and "Traceback" not in run.text
    # The seed spec is `status: skip`: it is listed with its reason, not silently dropped.
    assert "status skip: Nexmo communication-gw endpoint" in run.err
    # The embedded gateway gets a fresh token per run; neither it nor any Bearer value is printed.
    assert "Bearer " not in run.text
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"
    names = {case.get("name") for case in suite.iter("testcase")}
    assert "POST /business/communication/channels" in names


def test_contract_breaking_fault_fails_with_violation_and_curl(
    cli: Any, broken_gateway: StubServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The second "done when": with the fault on, exit 1, the violation and a curl to replay it."""
    monkeypatch.setenv("LOADSPEC_TOKEN_STAFF", TOKEN)
    junit = tmp_path / "fuzz.xml"
    run = cli(
        "fuzz",
        "specs/communication/post_business_communication_channels.md",
        "--url",
        broken_gateway.url,
        *FAST,
        "--junit",
        str(junit),
    )
    assert run.code == 1, run.text
    assert "FAILED   POST /business/communication/channels" in run.out
    assert "Response violates schema [response_schema_conformance, status 201]" in run.out
    assert "Schema at /components/schemas/ChannelResponse" in run.out
    curls = [line.strip() for line in run.out.splitlines() if line.strip().startswith("curl ")]
    assert curls and all(
        f"{broken_gateway.url}/business/communication/channels" in c for c in curls
    )
    assert all("Authorization: [Filtered]" in c for c in curls)
    assert f"--seed {SEED} to reproduce" in run.out
    assert TOKEN not in run.text
    document = junit.read_text()
    assert TOKEN not in document
    suite = ElementTree.fromstring(document).find("testsuite")
    assert suite is not None and int(suite.get("failures", "0")) >= 1
    failure = next(suite.iter("failure"))
    assert failure.get("type") == "response_schema_conformance"
    assert "curl -X POST" in (failure.text or "")


def test_stateful_phase_chains_channel_to_message(
    cli: Any, gateway: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With both endpoints selected, the contract's links chain a new channel into a message."""
    monkeypatch.setenv("LOADSPEC_TOKEN_STAFF", TOKEN)
    run = cli(
        "fuzz",
        "specs/communication/",
        "--include-skipped",
        "--url",
        gateway.url,
        "--phases",
        "stateful",
        *FAST,
    )
    assert run.code == 0, run.text
    assert "PASSED   POST /business/communication/messages" in run.out
    stateful = [line for line in run.err.splitlines() if line.strip().startswith("stateful:")]
    assert stateful and "skipped" not in stateful[-1], run.err


def test_only_skipped_specs_is_bad_input(cli: Any) -> None:
    """No operation to fuzz (every spec skipped by status) exits 2 and says why."""
    run = cli("fuzz", "specs/communication/post_business_communication_messages.md", *FAST)
    assert run.code == 2
    assert "loadspec fuzz: error: no operation to fuzz" in run.err
    assert "--include-skipped fuzzes it" in run.err


def test_unreadable_contract_is_bad_input(cli: Any, tmp_path: Path) -> None:
    """A contract that is not valid JSON exits 2, naming the file and the JSON error."""
    (tmp_path / "broken.json").write_text('{"openapi": "3.0.3", "paths": {', encoding="utf-8")
    write_spec(tmp_path, "spec.md", "GET /things", "broken.json")
    run = cli("fuzz", str(tmp_path), *FAST)
    assert run.code == 2
    assert "broken.json: invalid JSON at line 1" in run.err
    assert "no operation to fuzz: 1 spec(s) cannot be used" in run.err


def test_endpoint_not_in_contract_is_bad_input(cli: Any, tmp_path: Path) -> None:
    """A spec naming an operation its contract lacks is reported with a hint, and exits 2."""
    (tmp_path / "swagger.json").write_text(GATEWAY_CONTRACT.read_text(), encoding="utf-8")
    write_spec(tmp_path, "spec.md", "GET /business/communication/channel", "swagger.json")
    run = cli("fuzz", str(tmp_path), *FAST)
    assert run.code == 2
    assert "GET /business/communication/channel is not in" in run.err
    assert "did you mean" in run.err


def test_unknown_check_is_bad_input(cli: Any) -> None:
    """A misspelt --checks name exits 2 with a suggestion."""
    run = cli("fuzz", "specs/communication/", "--checks", "not_a_server_eror", *FAST)
    assert run.code == 2
    assert "unknown check 'not_a_server_eror'; did you mean 'not_a_server_error'?" in run.err


def test_missing_token_is_named(
    cli: Any, gateway: StubServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against --url, a spec whose token type has no LOADSPEC_TOKEN_<TYPE> is left out, named."""
    monkeypatch.delenv("LOADSPEC_TOKEN_STAFF", raising=False)
    run = cli("fuzz", "specs/communication/", "--url", gateway.url, *FAST)
    assert run.code == 2
    # The contract declares a bearer scheme, which takes the staff token unless its own is set.
    assert (
        "GET /platform/v1/clients needs Bearer (http bearer): set LOADSPEC_CREDENTIAL_BEARER "
        "or a staff token: set LOADSPEC_TOKEN_STAFF"
    ) in run.err


def test_unreachable_url_is_bad_input(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A --url nothing listens on exits 2 before any fuzzing."""
    monkeypatch.setenv("LOADSPEC_TOKEN_STAFF", TOKEN)
    run = cli("fuzz", "specs/communication/", "--url", "http://127.0.0.1:9", *FAST)
    assert run.code == 2
    assert "--url http://127.0.0.1:9: cannot connect" in run.err


@pytest.mark.slow
def test_real_process_with_progress(tmp_path: Path) -> None:
    """`python -m loadspec fuzz` as a real subprocess: progress on stderr, summary on stdout."""
    env = {**os.environ, "LOADSPEC_TOKEN_STAFF": TOKEN}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "loadspec",
            "fuzz",
            "specs/communication/post_business_communication_channels.md",
            "--phases",
            "examples,fuzzing",
            *FAST,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fuzzing: " in done.stderr and " requests" in done.stderr
    assert done.stdout.startswith("loadspec fuzz: 1 operation(s)")
    assert "OK: 1 passed" in done.stdout
