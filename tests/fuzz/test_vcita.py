"""The authors' real specs and messy contracts: what can be fuzzed, what cannot, and why.

Nothing here sends a request anywhere but a loopback server of the test's own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import TOKEN, CatchAll


def test_dry_run_over_the_corpus(cli: Any, vcita: Path) -> None:
    """Every spec is either planned or left out with a precise reason; no crash, no request."""
    run = cli("fuzz", "--dry-run", "--root", str(vcita), str(vcita / "workflows"))
    assert run.code == 0, run.text
    assert "Traceback" not in run.text
    summary = run.out.strip().splitlines()[-1]
    assert summary == "57 of 57 operation(s) can be fuzzed; 35 spec(s) left out"
    # `$ref`s to https://vcita.github.io/developers-hub/entities/... are read from the root's
    # entities/ (issue 12): no operation is left out for a schema on another host.
    assert "outside the contract" not in run.out
    # Spec defects found by the loader are carried over, with where to see them all.
    assert (
        "the spec has errors: main request POST /business/clients/v1/matters/{{matter_uid}} "
        "does not match endpoint" in run.out
    )
    assert "skipped by status (24 spec(s)):" in run.out
    # Absolute swagger paths from the authors' machine resolve to the corpus' own files.
    assert f"{(vcita / 'mcp_swagger' / 'clients.json').resolve()} (base path /):" in run.out


def test_dry_run_with_tokens_missing(
    cli: Any, vcita: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against a real server, each spec whose token type has no variable says which to set."""
    for kind in ("STAFF", "DIRECTORY", "CLIENT", "APP", "ADMIN"):
        monkeypatch.delenv(f"LOADSPEC_TOKEN_{kind}", raising=False)
    monkeypatch.setenv("LOADSPEC_TOKEN_STAFF", TOKEN)
    run = cli(
        "fuzz",
        "--dry-run",
        "--url",
        "http://127.0.0.1:9",
        "--root",
        str(vcita),
        str(vcita / "workflows" / "clients"),
    )
    assert "needs a client token: set LOADSPEC_TOKEN_CLIENT" in run.out
    assert "needs a directory token: set LOADSPEC_TOKEN_DIRECTORY" in run.out
    assert TOKEN not in run.text


def test_fuzz_the_mixed_swagger2_contract_locally(
    cli: Any, vcita: Path, catch_all: CatchAll, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The legacy gateway contract (Swagger 2.0 with an OpenAPI 3 `components` block) is fuzzed.

    The catch-all server answers `200 {}` to everything, so failures are expected; the point is
    that the messy contract loads, generates requests for exactly its operation, and reports.
    """
    monkeypatch.setenv("LOADSPEC_TOKEN_STAFF", TOKEN)
    spec = vcita / "workflows" / "communication" / "post_business_communication_messages.md"
    run = cli(
        "fuzz",
        str(spec),
        "--include-skipped",
        "--root",
        str(vcita),
        "--url",
        catch_all.url,
        "--phases",
        "fuzzing",
        "--max-examples",
        "5",
        "--seed",
        "11",
    )
    assert run.code == 1, run.text
    assert "FAILED   POST /business/communication/messages" in run.out
    assert "Traceback" not in run.text and TOKEN not in run.text
    assert ("POST", "/business/communication/messages") in catch_all.paths()
