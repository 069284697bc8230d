"""locustfiles/specs.py against a server that is not ours: the specs' semantics, exactly."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, ROOT
from tests.load.runs import read_failures, run_locust
from tests.plain_server import TOKEN, PlainServer

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes


@pytest.fixture
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def test_folder_of_specs_behaves_as_written(server: PlainServer, tmp_path: Path) -> None:
    """Chained extraction, a token, a skipped spec and an aborting prerequisite."""
    done, rows = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        "tests/data/load",
        "--host",
        server.url,
        "--headless",
        "-u",
        "6",
        "-r",
        "6",
        "-t",
        "6s",
        env={"LOADSPEC_TOKEN_STAFF": TOKEN},
    )
    output = done.stderr
    assert done.returncode == 1, output[-3000:]  # the aborting prerequisite fails: exit 1
    assert "embedded gateway" not in output  # --host given: nothing started
    # Chained: one create per user, then reads of the created item, all passing.
    assert rows[("POST", "/items")].failures == 0
    assert rows[("GET", "/items/{{uid}}")].requests > rows[("POST", "/items")].requests
    assert rows[("GET", "/items/{{uid}}")].failures == 0
    # The token reached the protected endpoint.
    assert rows[("GET", "/secure")].requests > 0
    assert rows[("GET", "/secure")].failures == 0
    # The skipped spec never ran, and the log says why.
    assert ("GET", "/status/200") not in rows
    assert "Needs a partner system" in output
    # The aborting prerequisite: every attempt failed, the main request was never sent, and
    # the user backed off between attempts instead of hammering.
    broken = rows[("GET", "/status/503")]
    assert broken.requests == broken.failures > 0
    assert broken.requests < 60
    assert ("POST", "/echo") not in rows
    assert server.hits["POST /echo"] == 0
    (failure,) = read_failures(tmp_path / "run_failures.csv")
    assert "broken_setup: expected status 200, got 503: " in failure["Error"]
    assert TOKEN not in (tmp_path / "run_failures.csv").read_text() + output


def test_no_specs_is_a_clear_error(tmp_path: Path) -> None:
    """specs.py without --specs says what to give."""
    done, _ = run_locust(tmp_path, "-f", "locustfiles/specs.py", "--headless", "-t", "1s")
    assert done.returncode != 0
    assert "no specs: give --specs PATH[,PATH] or LOADSPEC_SPECS" in done.stderr


def test_specs_from_the_environment(server: PlainServer, tmp_path: Path) -> None:
    """LOADSPEC_SPECS and LOADSPEC_VAR_<NAME> work like --specs and --var."""
    done, rows = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--host",
        server.url,
        "--headless",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "3s",
        env={"LOADSPEC_SPECS": "tests/data/load/secure.md", "LOADSPEC_TOKEN_STAFF": TOKEN},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(rows) == {("GET", "/secure")}


def test_tags_select_specs(server: PlainServer, tmp_path: Path) -> None:
    """Front matter tags are Locust tags, made single words."""
    done, rows = run_locust(
        tmp_path,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        "tests/data/load",
        "--host",
        server.url,
        "--headless",
        "-u",
        "3",
        "-r",
        "3",
        "-t",
        "3s",
        "--tags",
        "protected-things",
        env={"LOADSPEC_TOKEN_STAFF": TOKEN},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(rows) == {("GET", "/secure")}


def test_options_from_locust_conf(server: PlainServer, tmp_path: Path) -> None:
    """--specs and --var work as locust.conf entries, like every Locust option."""
    (tmp_path / "locust.conf").write_text(
        f"specs = {DATA / 'load' / 'chain.md'}\nhost = {server.url}\nvar = [item_name=x]\n"
        "headless = true\nusers = 2\nspawn-rate = 2\nrun-time = 3s\n"
    )
    done, rows = run_locust(
        tmp_path,
        "-f",
        str(ROOT / "locustfiles" / "specs.py"),
        cwd=tmp_path,
        env={"LOADSPEC_TOKEN_STAFF": TOKEN},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(rows) == {("POST", "/items"), ("GET", "/items/{{uid}}")}


def test_timeouts_are_failures_with_a_message(server: PlainServer, tmp_path: Path) -> None:
    """A server slower than --request-timeout: each request is a failure that says so."""
    spec = tmp_path / "slow.md"
    spec.write_text(
        '---\nendpoint: "GET /slow"\n---\n# Slow\n## Test Request\n```yaml\nsteps:\n'
        "  - id: main_request\n    method: GET\n    path: /slow\n    params: {ms: 1500}\n```\n"
    )
    done, rows = _run_spec(tmp_path, spec, server, 1, "3s", "--request-timeout", "0.3")
    assert done.returncode == 1
    row = rows[("GET", "/slow")]
    assert row.requests == row.failures > 0
    (failure,) = read_failures(tmp_path / "run_failures.csv")
    assert "main_request: timed out" in failure["Error"], failure


def _run_spec(
    tmp: Path, spec: Path, server: PlainServer, users: int, run_time: str, *extra: str
) -> tuple[Any, dict[Any, Any]]:
    """A headless run of one spec against the plain server, with its token."""
    count = str(users)
    return run_locust(
        tmp,
        *("-f", "locustfiles/specs.py", "--specs", str(spec), "--host", server.url),
        *("--headless", "-u", count, "-r", count, "-t", run_time, *extra),
        env={"LOADSPEC_TOKEN_STAFF": TOKEN},
    )


def _one_step_spec(folder: Path, name: str, path: str) -> Path:
    spec = folder / f"{name}.md"
    spec.write_text(
        f'---\nendpoint: "GET {path}"\n---\n# {name}\n## Test Request\n```yaml\nsteps:\n'
        f"  - id: main_request\n    method: GET\n    path: {path}\n```\n"
    )
    return spec


def test_every_request_reaches_the_stats_and_no_cookie_is_kept(
    server: PlainServer, tmp_path: Path
) -> None:
    """The lean path: each request a stats row with its size; a Set-Cookie is not sent back."""
    spec = _one_step_spec(tmp_path, "cookie", "/cookie")
    done, rows = _run_spec(tmp_path, spec, server, 2, "2s")
    assert done.returncode == 0, done.stderr[-3000:]
    row = rows[("GET", "/cookie")]
    # Each user may have had one request in flight when the run stopped.
    assert len(server.cookies) - 2 <= row.requests <= len(server.cookies)
    assert row.requests > 10
    assert set(server.cookies) == {None}  # the source system's client keeps no cookies either
    with (tmp_path / "run_stats.csv").open() as handle:
        (stats,) = [r for r in csv.DictReader(handle) if r["Name"] == "/cookie"]
    assert float(stats["Average Content Size"]) == 2  # the body's length, as Locust counts it


def test_a_body_cut_short_is_a_failure_that_says_so(server: PlainServer, tmp_path: Path) -> None:
    """A server that closes in the middle of a body: each request a failure, the run goes on."""
    spec = _one_step_spec(tmp_path, "truncated", "/truncated")
    done, rows = _run_spec(tmp_path, spec, server, 1, "2s")
    assert done.returncode == 1, done.stderr[-3000:]
    row = rows[("GET", "/truncated")]
    assert row.requests == row.failures > 1
    (failure,) = read_failures(tmp_path / "run_failures.csv")
    assert failure["Error"].startswith("main_request: no response: "), failure
    assert "Traceback" not in done.stderr
