"""The authors' configuration folder drives a load run and a fuzz run, with no other option.

Issue 12's last "done when": a folder shaped like theirs (`default.json` whose `baseUrl` is a
gateway started with `loadspec stub` on loopback, `tokens.json` with its token and the params)
given as `--api-validation-config DIR`. Their `baseUrl` is the API root: the specs' paths
(`/business/communication/...`, `/platform/v1/clients`) are joined to it, as the embedded
gateway serves them. Every process here is real: the gateway, Locust and `loadspec fuzz`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loadspec.stub import StubServer
from loadspec.webhooks.defaults import SECRET_ENV
from tests.conftest import ROOT
from tests.load.runs import run_locust

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

LOADSPEC = (sys.executable, "-m", "loadspec")
TOKEN = "avc-staff-token-61c2e9"  # pinned: it must never reach any output
RATE = 100  # requests per second: the pacing the load run must keep to
LOAD_SECONDS = 5


@pytest.fixture(scope="module")
def gateway() -> Iterator[StubServer]:
    """`loadspec stub` on a free loopback port, accepting only the configuration's token."""
    with StubServer(tokens=(TOKEN,), activation_delay="50", message_delay="10", seed=12) as stub:
        yield stub


def authors_config(folder: Path, url: str) -> Path:
    """default.json and tokens.json as their tool reads them, pointed at `url`."""
    folder.mkdir(parents=True, exist_ok=True)
    default = {
        "swaggerPath": "mcp_swagger",
        "baseUrl": url,
        "fallbackUrl": url,
        "options": {"timeout": 30000, "runDelete": False},
        "rateLimit": {
            "requestsPerSecond": RATE,
            "maxConcurrent": 3,
            "delayBetweenRequests": 0,
            "retryOn429": True,
            "maxRetries": 3,
            "backoffMultiplier": 2,
        },
    }
    tokens = {
        "tokens": {"staff": TOKEN, "directory": "eyJ... (your directory JWT token)"},
        "params": {
            "business_id": "biz-from-config",
            "business_uid": "biz-from-config",
            "staff_uid": "your-staff-uid-here",
            "matter_uid": "",
        },
    }
    (folder / "default.json").write_text(json.dumps(default, indent=2), encoding="utf-8")
    (folder / "tokens.json").write_text(json.dumps(tokens, indent=2), encoding="utf-8")
    return folder


def stub_stats(gateway: StubServer) -> dict[str, Any]:
    """What the gateway has done so far (its own `/__stub/stats`, outside the contract)."""
    with urllib.request.urlopen(f"{gateway.url}/__stub/stats", timeout=10) as answer:
        stats: dict[str, Any] = json.loads(answer.read())
    return stats


def clean_env() -> dict[str, str]:
    """The environment without any loadspec setting: the configuration is the only source."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_")}


def test_load_run_from_the_configuration_alone(gateway: StubServer, tmp_path: Path) -> None:
    """Host, token, params and pacing all come from the folder (the webhook secret, which it
    has no place for, from LOADSPEC_WEBHOOK_SECRET): zero failures, no gateway of its own,
    the token never shown, and no more requests than rateLimit allows."""
    config = authors_config(tmp_path / "config", gateway.url)
    done, rows = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        "specs/communication/",
        "--api-validation-config",
        str(config),
        "--headless",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        f"{LOAD_SECONDS}s",
        env={**clean_env(), SECRET_ENV: gateway.secret},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert f"loadspec: host {gateway.url}, the baseUrl of the api-validation configuration" in (
        output
    )
    assert "embedded gateway" not in output
    assert TOKEN not in output
    # The gateway accepts only the configuration's token: any other would fail every request.
    assert rows[("POST", "/business/communication/messages")].requests > 0
    assert rows[("GET", "/platform/v1/clients")].requests > 0
    assert all(row.failures == 0 for row in rows.values()), rows
    # Paced by rateLimit: unpaced, two users send thousands of requests in five seconds.
    sent = sum(row.requests for (kind, _), row in rows.items() if kind in ("GET", "POST"))
    assert sent <= RATE * (LOAD_SECONDS + 2), sent
    assert "the configuration's rateLimit paces this process" in output


def test_fuzz_run_from_the_configuration_alone(gateway: StubServer, tmp_path: Path) -> None:
    """`loadspec fuzz specs/communication/ --api-validation-config DIR` fuzzes the gateway at
    baseUrl with the configuration's token, and passes."""
    config = authors_config(tmp_path / "config", gateway.url)
    before = stub_stats(gateway)
    # A seed whose negative cases once dropped the Authorization header, which the run
    # re-adds: the run must not call their acceptance a failure.
    seed = ["--seed", "1588234497"]
    done = subprocess.run(
        [*LOADSPEC, "fuzz", "specs/communication/", "--api-validation-config", str(config), *seed],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=clean_env(),
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert f"operation(s) at {gateway.url}, seed" in done.stderr
    assert "the embedded gateway" not in output
    assert "PASSED   POST /business/communication/channels" in done.stdout
    assert "PASSED   GET /platform/v1/clients" in done.stdout
    assert TOKEN not in output
    # 401s alone pass a fuzz run (they are documented): channels made prove the token was sent.
    assert stub_stats(gateway)["created"]["channels"] > before["created"]["channels"]


def test_a_needed_variable_without_a_value_stops_the_run(
    gateway: StubServer, tmp_path: Path
) -> None:
    """A spec that needs a param the configuration declares empty: exit 2, naming it, before
    any request; the same for fuzzing."""
    config = authors_config(tmp_path / "config", gateway.url)
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = (ROOT / "specs" / "communication" / "get_platform_v1_clients.md").read_text()
    needy = spec.replace("per_page: 25", 'per_page: 25\n      search_term: "{{matter_uid}}"')
    assert needy != spec
    (specs / "clients_of_matter.md").write_text(needy, encoding="utf-8")
    expected = (
        "run variable(s) without a value: 'matter_uid' (declared in the params of "
        f"{config / 'tokens.json'}; needed by {specs / 'clients_of_matter.md'})"
    )
    option = ("--api-validation-config", str(config), "--root", str(ROOT))
    done, rows = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        str(specs),
        *option,
        "--headless",
        "-u",
        "1",
        "-t",
        "2s",
        env=clean_env(),
    )
    assert done.returncode == 2, done.stderr[-3000:]
    assert expected in done.stderr
    assert not rows
    fuzz = subprocess.run(
        [*LOADSPEC, "fuzz", str(specs), *option],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=clean_env(),
    )
    assert fuzz.returncode == 2, fuzz.stderr
    assert expected in fuzz.stderr
    assert "fuzzing" not in fuzz.stderr
