"""The listener of a real Locust run against hostile clients, and the secret a real gateway needs.

Issue 23: a client that sends half a request must not stop the activation callbacks users
wait for; a run against a named host whose specs wait for callbacks must not start on the
published default secret.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from loadspec.webhooks.defaults import SECRET_ENV
from tests.conftest import ROOT
from tests.load.runs import free_port, read_stats, run_locust
from tests.plain_server import TOKEN, PlainServer

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

ACTIVE = "specs/communication/post_business_communication_messages_on_active_channel.md"
HALVES = (
    b"POST /callbacks HTTP/1.1\r\nContent-Type: appli",
    b'POST /callbacks HTTP/1.1\r\nContent-Length: 900\r\n\r\n{"id": ',
)
WAITING = """---
endpoint: "POST /items"
status: verified
---

# Create an item, wait for its callback, then create more

## Prerequisites
```yaml
steps:
  - id: create
    method: POST
    path: /items
    body: {name: "first-{{unique_id}}"}
    extract: {uid: "$.data.item.uid"}
    expect: {status: 201}
  - id: created
    wait: {callback: "{{uid}}", timeout: 300}
```

## Test Request
```yaml
steps:
  - id: main_request
    method: POST
    path: /items
    body: {name: "item-{{unique_id}}"}
    expect: {status: 201}
```
"""


# Run in a fresh process: locust patches with gevent on import, too late in pytest's own.
START_FORM = """
import locust  # first: it patches with gevent
import argparse, sys
from pathlib import Path
from types import SimpleNamespace
from loadspec.config.project import Project
from loadspec.config.settings import RunSettings
from loadspec.config.table import Command
from loadspec.language.reading import load_spec
from loadspec.locust.live import start_form_problem
from loadspec.locust.state import ProcessState
from loadspec.runtime.compiled import compile_spec

def settings(**environ):
    given = argparse.Namespace(specs="a.md")
    return RunSettings.build(Command.LOCUST, given, project=Project(), environ=environ)

active = SimpleNamespace(compiled=compile_spec(load_spec(Path(sys.argv[1])).spec), checks={})
environment = SimpleNamespace(
    host="http://127.0.0.1:1", parsed_options=argparse.Namespace(), user_classes=[active]
)
state = ProcessState(settings=settings())
print(start_form_problem(environment, state, {"host": "http://127.0.0.2:8080"}))
print(start_form_problem(environment, state, {"host": environment.host}))
state.settings = settings(LOADSPEC_WEBHOOK_SECRET="the-gateways-own")
print(start_form_problem(environment, state, {"host": "http://127.0.0.2:8080"}))
"""


def _listening(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the listener on port {port} never came up")


def _stall_again_and_again(port: int, stop: threading.Event) -> None:
    """Half a head or half a body, held for a second, then dropped; again until told."""
    turn = 0
    while not stop.is_set():
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(HALVES[turn % 2])
            stop.wait(1.0)
        turn += 1


def test_a_client_holding_half_a_request_delays_no_activation(tmp_path: Path) -> None:
    """Done when: one client holds half a request for the whole run, another keeps sending
    halves and dropping them; every activation is answered and its user resumes, each wait
    within a second of the gateway's activation delay (at most 1.5 s)."""
    port = free_port()
    command = [sys.executable, "-m", "locust", "-f", "locustfiles/specs.py", "--specs", ACTIVE]
    command += ["--headless", "-u", "4", "-r", "1", "-t", "8s", "--csv", str(tmp_path / "run")]
    command += ["--webhook-listen", f"127.0.0.1:{port}"]
    command += ["--threshold", "WAIT channel_active:max<2500"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOADSPEC_")}
    run = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    stop = threading.Event()
    staller = threading.Thread(target=_stall_again_and_again, args=(port, stop))
    try:
        _listening(port, run)
        with socket.create_connection(("127.0.0.1", port)) as holder:
            holder.sendall(HALVES[1])
            staller.start()
            _, said = run.communicate(timeout=120)
    finally:
        stop.set()
        if run.poll() is None:
            run.kill()
    staller.join(timeout=10)
    rows = read_stats(tmp_path / "run_stats.csv")
    assert run.returncode == 0, said[-3000:]
    waits = rows[("WAIT", "channel_active")]
    assert waits.requests == 4 and waits.failures == 0, rows
    assert rows[("POST", "/business/communication/messages")].requests > 0, rows
    assert ("CALLBACK", "rejected") not in rows, rows  # half requests are no callbacks


def test_a_named_host_whose_specs_wait_needs_the_webhook_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without LOADSPEC_WEBHOOK_SECRET: exit 2, one line naming it, nothing sent; with
    --webhook-signature none the same run starts (warned about)."""
    monkeypatch.delenv(SECRET_ENV, raising=False)
    (tmp_path / "waiting.md").write_text(WAITING, encoding="utf-8")
    args = ("-f", "locustfiles/specs.py", "--specs", str(tmp_path / "waiting.md"), "--headless")
    args += ("-u", "1", "-r", "1", "-t", "2s")
    staff = {"LOADSPEC_TOKEN_STAFF": TOKEN}
    with PlainServer() as server:
        refused, _ = run_locust(tmp_path, *args, "--host", server.url, env=staff)
        assert refused.returncode == 2, refused.stderr[-3000:]
        (line,) = [x for x in refused.stderr.splitlines() if SECRET_ENV in x]
        assert f"{server.url}: a spec waits for callbacks (waiting.md): set {SECRET_ENV}" in line
        assert "--webhook-signature none" in line
        assert sum(server.hits.values()) == 0
        started, rows = run_locust(
            tmp_path, *args, "--host", server.url, "--webhook-signature", "none", env=staff
        )
    assert started.returncode == 1, started.stderr[-3000:]  # the waits time out: failures
    assert rows[("POST", "/items")].requests > 0 and rows[("WAIT", "created")].failures > 0
    assert "callbacks are accepted unsigned" in started.stderr


def test_the_web_ui_cannot_start_waits_at_a_named_host_without_the_secret() -> None:
    """A run on the embedded gateway, started from the start form at another host that may be
    sent to: refused without LOADSPEC_WEBHOOK_SECRET, as the command line is."""
    done = subprocess.run(
        [sys.executable, "-c", START_FORM, ACTIVE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    refused, same_host, with_secret = done.stdout.splitlines()
    assert refused.startswith("http://127.0.0.2:8080: a spec waits for callbacks"), refused
    assert "set LOADSPEC_WEBHOOK_SECRET" in refused
    assert same_host == with_secret == "None"
