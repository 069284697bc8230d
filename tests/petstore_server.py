"""A third-party API for tests: the trimmed OpenAPI 3 Petstore (`tests/data/petstore/`).

Nothing of loadspec's: a plain `http.server` that serves the contract's four operations under
its servers path, `/api/v3`, refuses a request without the credential its operation declares
(401), and records what each request carried, so that a test proves what a real Locust run
sent by what the server received.

    POST /api/v3/pet              petstore_auth: `Authorization: Bearer <PETSTORE_AUTH>`
    GET  /api/v3/pet/{petId}      api_key header, or petstore_auth
    GET  /api/v3/store/inventory  api_key header
    GET  /api/v3/user/login       nothing
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.local_server import LocalServer

API_KEY = "petstore-api-key-0123"
PETSTORE_AUTH = "petstore-oauth-token-4567"
BASE = "/api/v3"
_PET = re.compile(rf"{BASE}/pet/([^/]+)")


@dataclass(frozen=True)
class Received:
    """One request as the server saw it.

    Attributes:
        operation: the contract operation it reached (`GET /pet/{petId}`), or its path.
        authorization: its Authorization header, if any.
        api_key: its `api_key` header, if any.
        query: its query parameters.
        status: what the server answered.
    """

    operation: str
    authorization: str | None
    api_key: str | None
    query: dict[str, list[str]]
    status: int


class _Handler(BaseHTTPRequestHandler):
    server: PetstoreServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        """Quiet: tests read what was received, not access logs."""

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == f"{BASE}/store/inventory":
            self._answer("GET /store/inventory", self._api_key(), {"available": 7})
        elif path == f"{BASE}/user/login":
            self._answer("GET /user/login", True, "logged in user session:1")
        elif (match := _PET.fullmatch(path)) is not None:
            pet = self.server.pets.get(match[1])
            allowed = self._api_key() or self._oauth()
            self._answer("GET /pet/{petId}", allowed, pet, 200 if pet else 404)
        else:
            self._answer(path, True, {"message": "not found"}, 404)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path != f"{BASE}/pet":
            self._answer(path, True, {"message": "not found"}, 404)
            return
        pet = json.loads(body or b"{}")
        if self._oauth():
            self.server.pets[str(pet.get("id"))] = pet
        self._answer("POST /pet", self._oauth(), pet)

    def _api_key(self) -> bool:
        return self.headers.get("api_key") == API_KEY

    def _oauth(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {PETSTORE_AUTH}"

    def _answer(self, operation: str, allowed: bool, document: Any, status: int = 200) -> None:
        if not allowed:
            status, document = 401, {"message": "unauthorized"}
        self.server.record(
            Received(
                operation,
                self.headers.get("Authorization"),
                self.headers.get("api_key"),
                parse_qs(urlsplit(self.path).query),
                status,
            )
        )
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PetstoreServer(LocalServer):
    """The server on a free loopback port; `received` lists every request it answered."""

    def __init__(self) -> None:
        super().__init__(_Handler)
        self.pets: dict[str, Any] = {}
        self.received: list[Received] = []
        self._lock = threading.Lock()

    def record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)
