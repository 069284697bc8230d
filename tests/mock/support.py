"""An in-process mock and a way to send it requests, for the mock's fast tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from loadspec.mock.app import MockDispatcher
from loadspec.mock.config import MockConfig
from loadspec.stub.config import StubConfig, parse_delay
from loadspec.stub.gateway.http import Request
from tests.conftest import DATA

PETSTORE = DATA / "mock" / "petstore.yaml"
HOOKS = DATA / "mock" / "hooks.yaml"
BEARER = {"authorization": "Bearer pet-token"}


@dataclass
class Reply:
    """What the mock answered."""

    status: int
    body: bytes
    headers: dict[bytes, bytes]

    @property
    def json(self) -> Any:
        return orjson.loads(self.body)


def mock(
    *contracts: Path,
    max_records: int = 1000,
    credentials: tuple[str, ...] = (),
    lenient: bool = False,
    **server: Any,
) -> MockDispatcher:
    """A mock of `contracts` (the Petstore by default), served in this process."""
    if "activation_delay" in server:
        server["activation_delay"] = parse_delay(server["activation_delay"])
    config = MockConfig(
        contracts or (PETSTORE,),
        StubConfig(**server),
        max_records=max_records,
        credentials=credentials,
        lenient=lenient,
    )
    return MockDispatcher.of(config)


def send(
    app: MockDispatcher,
    method: str,
    target: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """One request to `app`, as a front end hands it over."""
    path, _, query = target.partition("?")
    raw = b"" if body is None else body if isinstance(body, bytes) else orjson.dumps(body)
    given = BEARER if headers is None else headers
    sent = {k.lower().encode(): v.encode() for k, v in given.items()}
    answer = app.handle(Request(method, path, path, query.encode(), sent, raw))
    return Reply(answer.status, answer.body, dict(answer.headers))
