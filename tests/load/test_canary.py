"""A canary token echoed back in every form a server may use never reaches an output file."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from loadspec.inputs.masking import secret_forms
from tests.load.runs import read_failures, run_locust
from tests.local_server import serving

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

CANARY = 'canary/7f3a+9c2e=b1"d4-e5f6a7b8'
LEAKS = {
    "raw": CANARY,
    "base64": base64.b64encode(CANARY.encode()).decode(),
    "basic": base64.b64encode(f"staff:{CANARY}".encode()).decode(),
    "bearer": base64.urlsafe_b64encode(f"Bearer {CANARY}".encode()).decode(),
    "url": quote(CANARY, safe=""),
    "form": quote_plus(CANARY),
    "json": json.dumps(CANARY)[1:-1],
}
SPEC = """---
endpoint: "GET /contract"
swagger: contract.json
status: verified
tokens: [staff]
---

# Every leak of the token, one step each

## Prerequisites
```yaml
steps:
{steps}
```

## Test Request
```yaml
steps:
  - id: main_request
    method: GET
    path: /contract
```
"""
STEP = "  - {{id: {name}, method: GET, path: /leak/{name}, onFail: continue}}"
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "canary", "version": "1"},
    "paths": {
        "/contract": {
            "get": {
                "responses": {
                    "200": {
                        "description": "a closed object",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "additionalProperties": False}
                            }
                        },
                    }
                }
            }
        }
    },
}


class _Echo(BaseHTTPRequestHandler):
    """Answers 500 with the caller's token in one form, or a contract-breaking body naming it."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        form = self.path.rsplit("/", 1)[-1]
        if self.path == "/contract":
            self._send(200, json.dumps({token: 1}).encode())
        elif form == "json":
            self._send(500, json.dumps({"error": f"bad token {token}"}).encode())
        else:
            leaked = LEAKS[form] if token == CANARY else "no token"
            self._send(500, json.dumps({"error": f"bad token {leaked}"}).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def echo() -> Iterator[str]:
    with serving(_Echo) as url:
        yield url


def test_the_mask_knows_every_form_it_is_tested_with() -> None:
    """Each leaked form, alone or inside a longer value, is covered by a masked form."""
    forms = secret_forms(CANARY)
    for name, leaked in LEAKS.items():
        assert any(form in leaked for form in forms), name


def test_a_canary_never_reaches_any_output(echo: str, tmp_path: Path) -> None:
    """Raw, base64, URL-encoded, JSON-escaped, in a contract message: no report or log has it."""
    specs = tmp_path / "specs"
    specs.mkdir()
    steps = "\n".join(STEP.format(name=name) for name in LEAKS)
    (specs / "leaks.md").write_text(SPEC.format(steps=steps), encoding="utf-8")
    (tmp_path / "contract.json").write_text(json.dumps(CONTRACT), encoding="utf-8")
    outputs = tmp_path / "out"
    outputs.mkdir()
    done, rows = run_locust(
        outputs,
        *("-f", "locustfiles/specs.py", "--specs", str(specs), "--root", str(tmp_path)),
        *("--host", echo, "--headless", "-u", "2", "-r", "2", "-t", "3s"),
        *("--validate-responses", "1", "--junit", str(outputs / "junit.xml")),
        *("--html", str(outputs / "report.html"), "--json-file", str(outputs / "stats")),
        *("--logfile", str(outputs / "locust.log"), "--loglevel", "DEBUG", "--json"),
        env={"LOADSPEC_TOKEN_STAFF": CANARY},
    )
    assert rows[("GET", "/leak/raw")].failures > 0, done.stderr[-3000:]
    errors = " ".join(f["Error"] for f in read_failures(outputs / "run_failures.csv"))
    assert "[redacted]" in errors and "contract: " in errors, errors
    files = sorted(p for p in outputs.iterdir() if p.is_file())
    assert {p.suffix for p in files} >= {".csv", ".html", ".json", ".xml", ".log"}, files
    texts = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in files}
    texts |= {"stdout": done.stdout, "stderr": done.stderr}
    forms = secret_forms(CANARY)
    leaked = {name: form for name, text in texts.items() for form in forms if form in text}
    assert not leaked, leaked
