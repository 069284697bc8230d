"""A canary token echoed back in every form a server may use never reaches an output file.

What counts as reaching one is `tests.leaks`: any run of the mask's `RUN` characters of the
token, its hex or its base64, in any output read raw, HTML-, percent- or backslash-unescaped.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from loadspec.inputs.masking import Masker
from tests.leaks import leaks
from tests.load.runs import read_failures, run_locust
from tests.local_server import serving

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

CANARY = 'canary/7f3a+9c2e=b1"d4-e5f6a7b8'
READ = 640  # the bytes of a failing body an excerpt reads
# Each form as the failing reply's body carries it, after `{"error": "bad token `.
LEAKS = {
    "raw": CANARY,
    "base64": base64.b64encode(CANARY.encode()).decode(),
    "basic": base64.b64encode(f"staff:{CANARY}".encode()).decode(),
    "bearer": base64.urlsafe_b64encode(f"Bearer {CANARY}".encode()).decode(),
    "url": quote(CANARY, safe=""),
    "form": quote_plus(CANARY),
    "json": json.dumps(CANARY)[1:-1],
    "unicode": "".join(f"\\u{ord(c):04x}" for c in CANARY),
    "unicode_partly": "".join(f"\\u{ord(c):04X}" if i % 2 else c for i, c in enumerate(CANARY)),
    "entities": "".join(f"&#{ord(c)};" for c in CANARY),
    "hex_entities": "".join(f"&#x{ord(c):x};" for c in CANARY),
    "named_entities": CANARY.replace("/", "&sol;").replace("+", "&plus;").replace('"', "&quot;"),
    "hex": CANARY.encode().hex(),
    "hex_upper": CANARY.encode().hex().upper(),
    "upper": CANARY.upper(),
    "spaced": " ".join(CANARY),
    "lines": "\n".join(CANARY),
    "cut": " " * (READ - len('{"error": "bad token ') - 7) + CANARY,  # 7 characters read
}
CUT_KEYS = [f"A{i:02}" for i in range(27)]  # sorted before the canary: it straddles the cut
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
    """Answers 500 with the caller's token in one form, or a contract-breaking body naming it
    where the violation's message is cut."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        form = self.path.rsplit("/", 1)[-1]
        if self.path == "/contract":
            self._send(200, json.dumps({**dict.fromkeys(CUT_KEYS, 1), token: 1}).encode())
        elif form == "json":
            self._send(500, json.dumps({"error": f"bad token {token}"}).encode())
        else:
            leaked = LEAKS[form] if token == CANARY else "no token"
            self._send(500, f'{{"error": "bad token {leaked}"}}'.encode())

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
    """Each leaked form is recognisable before the mask and not after it."""
    masker = Masker([CANARY])
    for name, leaked in LEAKS.items():
        assert leaks(leaked, CANARY), name
        assert not leaks(masker(leaked), CANARY), name


def test_a_canary_never_reaches_any_output(echo: str, tmp_path: Path) -> None:
    """Every form in LEAKS, a token across the excerpt's cut and across a contract message's
    cut: no report, log or console line has a recognisable piece of it."""
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
    failures = {f["Name"]: f["Error"] for f in read_failures(outputs / "run_failures.csv")}
    assert all("[redacted]" in failures[f"/leak/{name}"] for name in LEAKS), failures
    assert any("contract: " in error for error in failures.values()), failures
    files = sorted(p for p in outputs.iterdir() if p.is_file())
    assert {p.suffix for p in files} >= {".csv", ".html", ".json", ".xml", ".log"}, files
    texts = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in files}
    texts |= {"stdout": done.stdout, "stderr": done.stderr}
    leaked = {name: found for name, text in texts.items() if (found := leaks(text, CANARY))}
    assert not leaked, leaked
    # Fewer than RUN characters, but cut off a token: the 7 the excerpt read are masked too.
    assert not [name for name, text in texts.items() if CANARY[:7] in text]
