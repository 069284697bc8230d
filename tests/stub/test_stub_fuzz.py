"""schemathesis against the live stub: all checks, all phases, stateful included, finds nothing.

Run as `st run` in a subprocess, exactly as a user would fuzz the stub, from a scratch folder
so that hypothesis and schemathesis leave nothing in the work tree.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadspec.stub import Faults, ServerKind, StubServer

from .support import CLIENTS_CONTRACT, GATEWAY_CONTRACT

pytestmark = pytest.mark.slow  # real processes: schemathesis runs or fresh interpreters

PHASES = "examples,coverage,fuzzing,stateful"


def _schemathesis(
    contract: Path, base_url: str, token: str, cwd: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        str(contract),
        "--url",
        base_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--seed",
        "1",
        "--generation-database",
        "none",
        "--no-color",
        *extra,
    ]
    return subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=240, check=False
    )


def _stub(**options: Any) -> StubServer:
    return StubServer(activation_delay="0", message_delay="0", seed=1, **options)


@pytest.mark.parametrize(
    ("contract", "base", "server"),
    [
        (GATEWAY_CONTRACT, "/business/communication", ServerKind.HTTPTOOLS),
        (GATEWAY_CONTRACT, "/business/communication", ServerKind.UVICORN),
        (CLIENTS_CONTRACT, "/platform/v1", ServerKind.HTTPTOOLS),
    ],
    ids=["gateway", "gateway-uvicorn", "clients"],
)
def test_fuzzing_the_stub_against_its_contract_finds_nothing(
    contract: Path, base: str, server: ServerKind, tmp_path: Path
) -> None:
    """Every check, every phase: the stub conforms to its contract, on either front end."""
    with _stub(server=server) as stub:
        run = _schemathesis(
            contract,
            stub.url + base,
            stub.token,
            tmp_path,
            "--phases",
            PHASES,
            "--max-examples",
            "40",
            # One worker: with two, hypothesis parses lambda sources in schemathesis' threads
            # at once, and CPython 3.11 then can raise "AST constructor recursion depth
            # mismatch" (seen in CI), an error of the interpreter, not of the stub.
            "--workers",
            "1",
        )
        stats = stub.stats()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert "No issues found" in run.stdout or " passed" in run.stdout
    if base.startswith("/business"):
        assert stats["created"]["messages"] > 0, "no message ever reached an active channel"


@pytest.mark.parametrize(
    "faults",
    [Faults(contract_break_rate=0.5), Faults(malformed_rate=0.5)],
    ids=["contract-break", "malformed"],
)
def test_fuzzing_a_stub_that_breaks_its_contract_fails(faults: Faults, tmp_path: Path) -> None:
    """The same run against a faulty stub finds the fault, so the clean run means something."""
    with _stub(faults=faults) as stub:
        run = _schemathesis(
            CLIENTS_CONTRACT,
            stub.url + "/platform/v1",
            stub.token,
            tmp_path,
            "--phases",
            "fuzzing",
            "--max-examples",
            "10",
        )
    assert run.returncode != 0, run.stdout[-4000:]
    assert (
        "response_schema_conformance" in run.stdout
        or "JSON deserialization" in run.stdout
        or "violates schema" in run.stdout
    ), run.stdout[-4000:]
