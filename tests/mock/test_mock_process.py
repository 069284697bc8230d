"""The mock as a real process: the Petstore's Done-when lines over HTTP, the CLI, callbacks
signed as the stub signs them, the stub's faults; a mock's flags survive the launcher."""

from __future__ import annotations

import http.server
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadspec.mock import MockConfig, MockServer
from loadspec.mock.options import mock_argv
from loadspec.stub.config import Faults, StubConfig, parse_delay
from loadspec.webhooks.signing import verify_callback
from tests.mock.support import HOOKS, PETSTORE

pytestmark = pytest.mark.slow
AUTH = {"Authorization": "Bearer pet-token"}
DOG = {"name": "rex", "photoUrls": ["https://example.com/rex.png"], "status": "sold"}


@pytest.fixture(scope="module")
def petstore() -> Iterator[MockServer]:
    with MockServer(MockConfig((PETSTORE,), StubConfig(seed=1))) as server:
        yield server


def test_post_then_get_returns_what_was_posted(petstore: MockServer) -> None:
    created = httpx.post(f"{petstore.url}/api/v3/pet", json=DOG, headers=AUTH)
    assert created.status_code == 200
    pet = created.json()
    assert {k: pet[k] for k in DOG} == DOG
    read = httpx.get(f"{petstore.url}/api/v3/pet/{pet['id']}", headers=AUTH)
    assert (read.status_code, read.json()) == (200, pet)


def test_after_delete_404(petstore: MockServer) -> None:
    pid = httpx.post(f"{petstore.url}/api/v3/pet", json=DOG, headers=AUTH).json()["id"]
    assert httpx.delete(f"{petstore.url}/api/v3/pet/{pid}", headers=AUTH).status_code == 200
    assert httpx.get(f"{petstore.url}/api/v3/pet/{pid}", headers=AUTH).status_code == 404


def test_without_the_declared_credential_401(petstore: MockServer) -> None:
    assert httpx.post(f"{petstore.url}/api/v3/pet", json=DOG).status_code == 401


def test_a_body_breaking_the_schema_is_400_naming_the_field(petstore: MockServer) -> None:
    refused = httpx.post(f"{petstore.url}/api/v3/pet", json={"photoUrls": []}, headers=AUTH)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"rule": "required", "field": "$.name", "message": "$.name: 'name' is a required property"}
    ]


def test_reset_and_stats(petstore: MockServer) -> None:
    httpx.post(f"{petstore.url}/api/v3/pet", json=DOG, headers=AUTH)
    assert petstore.stats()["records"] >= 1
    reset = httpx.post(f"{petstore.url}/__loadspec/reset")
    assert reset.json()["reset"] is True
    assert petstore.stats()["records"] == 0


def test_the_stub_faults_apply() -> None:
    """The stub's fault flags reach the mock's child: every answer a 500."""
    config = MockConfig((PETSTORE,), StubConfig(faults=Faults(error_rate=1.0)))
    with MockServer(config) as server:
        assert httpx.post(f"{server.url}/api/v3/pet", json=DOG, headers=AUTH).status_code == 500


def test_credentials_travel_by_environment_never_argv() -> None:
    config = MockConfig((PETSTORE,), credentials=("s3cret-cred",))
    assert "s3cret-cred" not in " ".join(mock_argv(config))
    with MockServer(config) as server:
        url = f"{server.url}/api/v3/pet"
        assert httpx.post(url, json=DOG, headers=AUTH).status_code == 401
        good = {"Authorization": "Bearer s3cret-cred"}
        assert httpx.post(url, json=DOG, headers=good).status_code == 200


class _Hooks(http.server.BaseHTTPRequestHandler):
    received: queue.Queue[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        self.received.put(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def test_a_callback_is_sent_signed_when_the_record_turns_active() -> None:
    """POST /subscriptions naming a callbackUrl: after the activation delay, a JWT-signed
    POST to that URL says the subscription is active, and a read says so too."""
    _Hooks.received = queue.Queue()
    hooks = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    threading.Thread(target=hooks.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hooks.server_address[1]}/in"
    config = MockConfig((HOOKS,), StubConfig(activation_delay=parse_delay("fixed:100")))
    try:
        with MockServer(config) as server:
            created = httpx.post(f"{server.url}/subscriptions", json={"callbackUrl": url})
            assert created.json()["status"] == "pending"
            headers, body = _Hooks.received.get(timeout=10)
            verify_callback(body, headers["authorization"], config.server.webhook_secret)
            sent = json.loads(body)
            assert sent["subscription"]["uid"] == created.json()["uid"]
            assert sent["subscription"]["status"] == "active"
            read = httpx.get(f"{server.url}/subscriptions/{created.json()['uid']}")
            assert read.json()["status"] == "active"
    finally:
        hooks.shutdown()


def test_the_cli_says_it_is_a_mock(tmp_path: Path) -> None:
    """`loadspec mock` announces itself as a mock, on the port asked for."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "loadspec", "mock", "--port", "0", str(PETSTORE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("loadspec mock listening on http://127.0.0.1:")
        assert "a mock, not the API" in "".join(proc.stdout.readline() for _ in range(3))
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_a_file_that_is_no_contract_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.yaml"
    bad.write_text("just: text\n")
    done = subprocess.run(
        [sys.executable, "-m", "loadspec", "mock", "--port", "0", str(bad)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "not a Swagger/OpenAPI document" in done.stderr


def test_the_stub_limits_apply(petstore: MockServer) -> None:
    """The stub's front end: too many headers is 431, a body past --max-body is 413."""
    many = {f"x-h{i}": "v" for i in range(150)}
    assert httpx.get(f"{petstore.url}/api/v3/pet/1", headers=many).status_code == 431
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    answer = httpx.post(f"{petstore.url}/api/v3/pet", content=big, headers=AUTH)
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["rule"] == "maxBody"
