"""Safe targets, credentials and the host preflight: a run that must not start exits 2 first.

Every case runs Locust (or `loadspec fuzz`) as a real subprocess; the only host that is not
loopback is under `.invalid`, a name that never resolves, so nothing can leave the machine.
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
from tests.conftest import ROOT
from tests.load.runs import free_port, run_locust

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

FOREIGN = "http://api.example.invalid"
SPECS = str(ROOT / "tests" / "data" / "valid")
ACTIVE = "specs/communication/post_business_communication_messages_on_active_channel.md"
TOKEN = "targets-gateway-token-5d1e"
LOCUST_ARGS = ("-f", "locustfiles/specs.py", "--headless", "-u", "1", "-r", "1", "-t", "2s")


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without loadspec settings, plus `extra`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_")}
    return {**base, "LOADSPEC_SPECS": SPECS, **extra}


def locust(tmp: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """A short headless run of the valid specs with `args`."""
    done = subprocess.run(
        [sys.executable, "-m", "locust", *LOCUST_ARGS, *args, "--csv", str(tmp / "run")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean_env(**env),
    )
    return done, (tmp / "run_stats.csv").is_file()


@pytest.fixture(scope="module")
def gateway() -> Iterator[StubServer]:
    """A loopback gateway that accepts only its own token (never the development one)."""
    with StubServer(tokens=(TOKEN,), activation_delay="20", message_delay="5", seed=3) as stub:
        yield stub


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    """The last thing the process said: a refusal is one line, and it is the end."""
    return done.stderr.strip().splitlines()[-1]


def requests_seen(gateway: StubServer) -> int:
    """How many requests the gateway has answered (its `/__stub/stats`)."""
    with urllib.request.urlopen(f"{gateway.url}/__stub/stats", timeout=10) as answer:
        return int(json.loads(answer.read())["requests"])


def test_a_host_that_is_not_loopback_is_refused_with_how_to_allow_it(tmp_path: Path) -> None:
    """A typo'd or production host never gets load: exit 2 before any runner exists."""
    done, ran = locust(tmp_path, "--host", FOREIGN)
    assert done.returncode == 2, done.stderr
    assert "api.example.invalid is not a loopback address" in done.stderr
    assert "--allow-host api.example.invalid" in done.stderr
    assert "LOADSPEC_ALLOW_HOSTS" in done.stderr
    assert "not a loopback address" in last_line(done) and not ran


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (("--allow-host", "api.example.invalid"), {}),
        (("--allow-host", "*.example.invalid"), {}),
        ((), {"LOADSPEC_ALLOW_HOSTS": "other.example, api.example.invalid"}),
    ],
)
def test_an_allowed_host_that_cannot_be_resolved_ends_the_run_at_once(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str]
) -> None:
    """Allowed (by option, pattern or variable), the host is looked up before users start."""
    done, ran = locust(tmp_path, "--host", FOREIGN, *args, **env)
    assert done.returncode == 2, done.stderr
    assert "api.example.invalid cannot be resolved" in done.stderr
    assert "not a loopback address" not in done.stderr
    assert "cannot be resolved" in last_line(done) and not ran


def test_a_config_file_entry_allows_a_host(tmp_path: Path) -> None:
    """`allow-host` in a locust.conf is the third way to allow a host."""
    conf = tmp_path / "locust.conf"
    conf.write_text("allow-host = [other.example, api.example.invalid]\n")
    done, ran = locust(tmp_path, "--config", str(conf), "--host", FOREIGN)
    assert done.returncode == 2, done.stderr
    assert "api.example.invalid cannot be resolved" in last_line(done) and not ran


def test_a_loopback_host_nobody_listens_on_ends_the_run_at_once(tmp_path: Path) -> None:
    """An unreachable host is a reason given up front, not thousands of refused connects."""
    url = f"http://127.0.0.1:{free_port()}"
    done, ran = locust(tmp_path, "--host", url, LOADSPEC_TOKEN_STAFF=TOKEN)
    assert done.returncode == 2, done.stderr
    assert f"--host {url}: cannot connect to 127.0.0.1" in done.stderr
    assert not ran


def test_an_unreachable_fallback_host_is_checked_too(tmp_path: Path, gateway: StubServer) -> None:
    """Every host the specs may use is preflighted, the fallback host included."""
    url = f"http://127.0.0.1:{free_port()}"
    done, _ = locust(tmp_path, "--host", gateway.url, "--fallback-host", url)
    assert done.returncode == 2, done.stderr
    assert f"--fallback-host {url}: cannot connect" in done.stderr


def test_a_missing_token_for_a_named_host_refuses_to_start(
    tmp_path: Path, gateway: StubServer
) -> None:
    """Without LOADSPEC_TOKEN_STAFF the development token is not sent: exit 2, no request."""
    before = requests_seen(gateway)
    done, ran = locust(tmp_path, "--host", gateway.url)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if "LOADSPEC_TOKEN_STAFF" in line]
    assert len(lines) == 1 and "needs a staff token: set LOADSPEC_TOKEN_STAFF" in lines[0]
    assert requests_seen(gateway) == before
    assert not ran


def test_a_named_loopback_host_with_its_token_runs(tmp_path: Path, gateway: StubServer) -> None:
    """The checks let a correct setup through: loopback needs no allow-list entry."""
    done, rows = run_locust(
        tmp_path,
        *LOCUST_ARGS,
        "--specs",
        ACTIVE,
        "--host",
        gateway.url,
        env=clean_env(LOADSPEC_TOKEN_STAFF=TOKEN, LOADSPEC_WEBHOOK_SECRET=gateway.secret),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert rows[("WAIT", "channel_active")].requests > 0, rows
    assert rows[("POST", "/business/communication/messages")].requests > 0, rows
    assert all(r.failures == 0 for r in rows.values()), rows


def test_fuzz_refuses_a_url_that_is_not_loopback() -> None:
    """`loadspec fuzz --url` obeys the same allow-list as a load run."""
    done = subprocess.run(
        [sys.executable, "-m", "loadspec", "fuzz", SPECS, "--url", FOREIGN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=clean_env(),
    )
    assert done.returncode == 2, done.stderr
    assert "--allow-host api.example.invalid" in done.stderr
    assert "Traceback" not in done.stderr
