"""The load model in real Locust runs: one run for each thing only a real process shows.

The logic (shares, budgets, rows, the arrival schedule, growth, waits, the summary line) is
tested in-process in tests/load_model/; these runs protect what needs real processes: Locust
ending the run, real time, the web UI, and the messages between a master and its workers.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.error import URLError
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest

from tests.conftest import ROOT
from tests.load.runs import LOCUST, free_port, read_stats, run_locust
from tests.local_server import serving
from tests.plain_server import TOKEN, PlainServer

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

ENV = {"LOADSPEC_TOKEN_STAFF": TOKEN}
SPEC = """---
endpoint: "GET /{path}"
status: verified
{front}
---

# A load model spec

## Test Request
```yaml
steps:
  - id: main_request
    method: GET
    path: /{path}
    params: {params}
```
"""


def write_spec(folder: Path, path: str = "echo", front: str = "", params: str = "{}") -> Path:
    """A one-step spec for the plain server, with extra front matter."""
    spec = folder / f"{path}.md"
    spec.write_text(SPEC.format(path=path, front=front, params=params), encoding="utf-8")
    return spec


@pytest.fixture
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def locust(tmp: Path, spec: Path, host: str, *args: str) -> tuple[Any, dict[Any, Any]]:
    """A headless run of one spec against `host`."""
    return run_locust(
        tmp,
        "-f",
        "locustfiles/specs.py",
        "--specs",
        str(spec),
        "--host",
        host,
        "--headless",
        *args,
        env=ENV,
    )


def user_counts(history: Path) -> list[int]:
    """The Aggregated rows' user counts of a --csv-full-history file, in order."""
    with history.open() as handle:
        rows = [r for r in csv.DictReader(handle) if r["Name"] == "Aggregated"]
    return [int(r["User Count"]) for r in rows]


def test_iterations_stop_the_run_exactly(server: PlainServer, tmp_path: Path) -> None:
    """--iterations 100 in one process: Locust's users stop and the run ends by itself with
    exactly 100 test requests, exit 0 (no iteration lost or added by concurrent users)."""
    spec = write_spec(tmp_path)
    done, rows = locust(tmp_path, spec, server.url, "-u", "10", "-r", "10", "-t", "60s",
                        "--iterations", "100")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "work is done: ending the run" in done.stderr
    assert rows[("GET", "/echo")].requests == 100


def test_the_web_ui_follows_the_profile(server: PlainServer, tmp_path: Path) -> None:
    """Started from the web UI, a two-stage profile's shape runs 2 then 4 users in one process
    and stops by itself; the UI hides its users and spawn rate fields, as for any Locust shape."""
    spec = write_spec(tmp_path, front="thinkTime: 100ms")
    profile = tmp_path / "stages.yaml"
    profile.write_text("stages:\n  - {duration: 3s, users: 2}\n  - {duration: 3s, users: 4}\n")
    port = free_port()
    ui = subprocess.Popen(
        [*LOCUST, "-f", "locustfiles/specs.py", "--specs", str(spec), "--host", server.url,
         "--load-profile", str(profile), "--web-host", "127.0.0.1", "--web-port", str(port)],
        cwd=ROOT, env={**os.environ, **ENV}, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    seen: list[tuple[str, int]] = []
    try:
        page = _get(base + "/", wait=30).decode()
        assert '"hide_common_options": true' in page
        started = json.loads(urlopen(base + "/swarm", data=b"", timeout=10).read())
        assert "LoadspecProfile" in started["message"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            stats = json.loads(_get(base + "/stats/requests"))
            seen.append((stats["state"], stats["user_count"]))
            if stats["state"] == "stopped":
                break
            time.sleep(0.5)
    finally:
        ui.terminate()
        output, _ = ui.communicate(timeout=30)
    counts = [users for state, users in seen if state in ("running", "spawning")]
    assert 2 in counts and 4 in counts and counts.index(4) > counts.index(2), (seen, output[-2000:])
    assert seen[-1][0] == "stopped", seen


def _get(url: str, wait: float = 0) -> bytes:
    deadline = time.monotonic() + wait
    while True:
        try:
            with urlopen(url, timeout=10) as response:
                return bytes(response.read())
        except (URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_a_profile_that_makes_no_sense_exits_2(server: PlainServer, tmp_path: Path) -> None:
    """Locust exits 2 on a bad stage, with one line naming it, before any request and without
    a traceback (tests/test_load_profile.py pins each message)."""
    profile = tmp_path / "stages.yaml"
    profile.write_text("stages:\n  - {duration: 5s, usres: 3}\n")
    done, rows = locust(tmp_path, write_spec(tmp_path), server.url, "--load-profile", str(profile))
    assert done.returncode == 2
    assert "stages.yaml:2: unknown stage key 'usres'" in done.stderr, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and not rows


def test_arrival_rate_is_kept_whatever_the_latency(server: PlainServer, tmp_path: Path) -> None:
    """--arrival-rate 20/s, 200 ms answers, 5 s: about 100 iterations in real time, with enough
    users; the summary line is logged when Locust quits."""
    spec = write_spec(tmp_path, "slow", params='{ms: "200"}')
    done, rows = locust(tmp_path, spec, server.url, "-u", "10", "-r", "10", "-t", "5s",
                        "--arrival-rate", "20/s")  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert 90 <= rows[("GET", "/slow")].requests <= 110
    assert "arrival rate: target 20/s" in done.stderr
    assert "NOT reached" not in done.stderr


class _Recorder(BaseHTTPRequestHandler):
    received: ClassVar[Counter[str]] = Counter()
    lock: ClassVar[Any] = threading.Lock()

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        for email in parse_qs(urlsplit(self.path).query).get("email", []):
            with self.lock:
                self.received[email] += 1
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def data_spec(folder: Path) -> Path:
    """A spec that sends each row's email once (`mode: unique`), with a 5-row CSV beside it."""
    emails = [f"client{n}@example.com" for n in range(5)]
    (folder / "clients.csv").write_text("email,name\n" + "".join(f"{e},N\n" for e in emails))
    front = "data: {file: clients.csv, mode: unique}"
    return write_spec(folder, front=front, params='{email: "{{email}}"}')


def distributed(
    tmp: Path, spec: Path, host: str, *args: str, locustfile: str = "locustfiles/specs.py"
) -> tuple[int, str]:
    """A master (`args`) and two workers on loopback; the master's exit code and log."""
    port = free_port()
    common = ["-f", locustfile, "--specs", str(spec)]
    env = {**os.environ, **ENV}
    master = subprocess.Popen(
        [
            *LOCUST,
            *common,
            "--host",
            host,
            "--headless",
            "--master",
            "--expect-workers",
            "2",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            str(port),
            "--csv",
            str(tmp / "run"),
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    worker = [
        *LOCUST,
        *common,
        "--worker",
        "--master-host",
        "127.0.0.1",
        "--master-port",
        str(port),
    ]
    workers = [
        subprocess.Popen(
            worker,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    _, errors = master.communicate(timeout=90)
    for process in workers:
        process.wait(timeout=30)
    return master.returncode, errors


def test_unique_rows_across_two_workers(tmp_path: Path) -> None:
    """A master and two workers: each row is sent once in all, and the workers' `done`
    messages end the run by themselves."""
    _Recorder.received = Counter()
    with serving(_Recorder) as url:
        code, errors = distributed(tmp_path, data_spec(tmp_path), url, "-u", "4", "-t", "30s")
    assert code == 0, errors[-2000:]
    assert "every worker's work is done" in errors
    assert _Recorder.received == Counter({f"client{n}@example.com": 1 for n in range(5)})
    assert read_stats(tmp_path / "run_stats.csv")[("GET", "/echo")].requests == 5


SLOW_TO_QUIT = """
import time

from locust import events
from locust.runners import STATE_STOPPED

from loadspec.locust import spec_users

globals().update(spec_users())
runner = []


@events.init.add_listener
def _keep(environment, **_):
    runner.append(environment.runner)


@events.report_to_master.add_listener
def _slow(client_id, data, **_):
    if runner and runner[0].state == STATE_STOPPED:
        time.sleep(1.5)  # a busy worker: the report it sends on quit comes too late
"""


@pytest.mark.parametrize("ending", [["--iterations", "40", "-t", "60s"], ["-t", "3s"]])
def test_a_busy_worker_loses_no_request(
    server: PlainServer, tmp_path: Path, ending: list[str]
) -> None:
    """A worker's figures reach the master when it stops, not on quit, whether iterations or
    -t end the run (CI lost 45 of 60 requests on a busy machine: the master waits 0.5 s for the
    reports sent on quit)."""
    locustfile = tmp_path / "slow_to_quit.py"
    locustfile.write_text(SLOW_TO_QUIT, encoding="utf-8")
    spec = write_spec(tmp_path, front="thinkTime: 20ms")
    code, errors = distributed(tmp_path, spec, server.url, "-u", "4", "-r", "20", *ending,
                               locustfile=str(locustfile))  # fmt: skip
    assert code == 0, errors[-2000:]
    rows = read_stats(tmp_path / "run_stats.csv")
    assert ("GET", "/echo") in rows, errors[-3000:]
    counted, served = rows[("GET", "/echo")].requests, server.hits["GET /echo"]
    if "--iterations" in ending:
        assert counted == served == 40
    else:  # a user stopped mid-request is not counted: at most one request each
        assert served - 4 <= counted <= served, (counted, served)


def test_iterations_and_stages_across_two_workers(server: PlainServer, tmp_path: Path) -> None:
    """--iterations over two workers is exact (each takes its share from the master's message);
    a profile's stages, run by the master, start and stop users on the workers."""
    spec = write_spec(tmp_path, front="thinkTime: 200ms")
    code, errors = distributed(tmp_path, spec, server.url, "-u", "6", "-t", "60s",
                               "--iterations", "60")  # fmt: skip
    assert code == 0, errors[-2000:]
    rows = read_stats(tmp_path / "run_stats.csv")
    assert ("GET", "/echo") in rows, errors[-3000:]  # the master's log, when no user ran
    assert rows[("GET", "/echo")].requests == 60
    profile = tmp_path / "stages.yaml"
    profile.write_text("stages:\n  - {duration: 3s, users: 2}\n  - {duration: 3s, users: 4}\n")
    code, errors = distributed(tmp_path, spec, server.url, "--load-profile", str(profile),
                               "--csv-full-history")  # fmt: skip
    assert code == 0, errors[-2000:]
    counts = [c for c in user_counts(tmp_path / "run_stats_history.csv") if c]
    assert 2 in counts and 4 in counts and counts.index(4) > counts.index(2), counts


def test_arrival_rate_adds_users_across_two_workers(server: PlainServer, tmp_path: Path) -> None:
    """The workers' reports carry their missed starts to the master, which adds users (spread
    by Locust over the workers) while the rate falls behind, at most --max-users in all."""
    spec = write_spec(tmp_path, "slow", params='{ms: "200"}')
    code, errors = distributed(tmp_path, spec, server.url, "-u", "2", "-t", "10s",
                               "--arrival-rate", "20/s", "--max-users", "8")  # fmt: skip
    assert code == 0, errors[-2000:]
    assert "the arrival rate is behind" in errors, errors[-3000:]
    counts = user_counts(tmp_path / "run_stats_history.csv")
    assert 2 < max(counts) <= 8, counts
    assert read_stats(tmp_path / "run_stats.csv")[("GET", "/slow")].requests > 100


def test_workers_take_the_masters_think_time(server: PlainServer, tmp_path: Path) -> None:
    """--think-time given to the master alone reaches the workers with their share, and their
    users really wait: four users on two workers make about 24 iterations in 6 s."""
    spec = write_spec(tmp_path)
    code, errors = distributed(tmp_path, spec, server.url, "-u", "4", "-t", "6s",
                               "--think-time", "1s")  # fmt: skip
    assert code == 0, errors[-2000:]
    requests = read_stats(tmp_path / "run_stats.csv")[("GET", "/echo")].requests
    assert 10 <= requests <= 40, errors[-3000:]


def test_a_bad_think_time_is_a_validation_error_with_its_line(tmp_path: Path) -> None:
    """`thinkTime: 2 seconds` is an error at its line; the `loadspec validate` process exits
    non-zero."""
    spec = write_spec(tmp_path, front="thinkTime: 2 seconds")
    done = subprocess.run(
        ["loadspec", "validate", str(spec)], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert f"{spec}:4: error: thinkTime '2 seconds' is not a duration" in done.stdout + done.stderr


def test_messages_locustfile_runs_at_the_gateways_tier(tmp_path: Path) -> None:
    """By default the messages locustfile runs at the gateway's tier, 2 iterations a second in
    all: under 8 requests a second in a real run."""
    env = {k: v for k, v in os.environ.items() if k != "LOADSPEC_DEFAULT_ARRIVAL_RATE"}
    done = subprocess.run(
        [*LOCUST, "-f", "locustfiles/messages.py", "--headless", "-u", "5", "-r", "5", "-t", "6s",
         "--csv", str(tmp_path / "run")],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "arrival rate: target 2/s" in done.stderr
    rows = read_stats(tmp_path / "run_stats.csv")
    sent = sum(row.requests for (kind, _), row in rows.items() if kind in ("GET", "POST"))
    assert 4 <= sent <= 8 * 6
