"""A user whose setup state vanished runs its prerequisites again; a refused target backs off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loadspec.language import CheckOptions, load_text
from loadspec.rows import RowKind
from loadspec.runtime.compiled import compile_spec
from loadspec.runtime.engine import SpecRunner
from tests.load.runs import free_port
from tests.plain_server import PlainServer
from tests.runtime.support import RecordingTransport
from tests.runtime.test_engine import TOKENS, spec_text

CREATE = """  - id: create
    method: POST
    path: /items
    extract: {uid: "$.data.item.uid"}
    expect: {status: 201}
"""
READ = """  - id: main_request
    method: GET
    path: "/items/{{uid}}"
"""
AGAIN = "inline (prerequisites again)"


@pytest.fixture(scope="module")
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def runner(url: str, text: str) -> tuple[SpecRunner, RecordingTransport]:
    result = load_text(text, Path("inline.md"), CheckOptions(contracts=False))
    assert result.ok, result.problems
    transport = RecordingTransport(url)
    return SpecRunner(compile_spec(result.unwrap()), transport, TOKENS, {}), transport


def setup_rows(transport: RecordingTransport) -> list[str]:
    return [row.name for row in transport.rows if row.kind == RowKind.SETUP]


def test_a_vanished_item_makes_the_user_run_its_prerequisites_again(server: PlainServer) -> None:
    """A 404 on the uid the setup extracted: counted once, then the setup runs again."""
    run, transport = runner(server.url, spec_text(READ, CREATE))
    assert run.iteration()
    server.items.clear()  # the server restarted: what the setup made is gone
    assert not run.iteration()
    assert setup_rows(transport) == [AGAIN]
    assert run.iteration() and run.iteration()
    assert [c.method for c in transport.calls] == ["POST", "GET", "GET", "POST", "GET", "GET"]
    (failure,) = transport.failures()
    assert failure.startswith("main_request: expected status 200, got 404")
    assert setup_rows(transport) == [AGAIN]


def test_the_rule_is_the_specs_to_set_or_turn_off(server: PlainServer) -> None:
    """prerequisitesRerunOn: [] keeps the setup whatever comes back."""
    run, transport = runner(server.url, spec_text(READ, CREATE, "prerequisitesRerunOn: []\n"))
    assert run.iteration()
    server.items.clear()
    assert not run.iteration() and not run.iteration()
    assert setup_rows(transport) == []
    assert [c.method for c in transport.calls] == ["POST", "GET", "GET", "GET"]


def test_a_status_outside_the_rule_keeps_the_setup(server: PlainServer) -> None:
    """A 410 is not in the default rule (404, 409): the user keeps its setup."""
    test = """  - id: main_request
    method: GET
    path: "/status/410"
    params: {item: "{{uid}}"}
"""
    run, transport = runner(server.url, spec_text(test, CREATE))
    assert not run.iteration() and not run.iteration()
    assert setup_rows(transport) == []
    assert [c.method for c in transport.calls] == ["POST", "GET", "GET"]


def test_a_404_on_what_the_setup_did_not_make_keeps_it(server: PlainServer) -> None:
    """Only a step sending an extracted value can say the setup vanished."""
    test = """  - id: main_request
    method: GET
    path: "/status/404"
"""
    run, transport = runner(server.url, spec_text(test, CREATE))
    assert not run.iteration() and not run.iteration()
    assert setup_rows(transport) == []


def test_a_target_refusing_connections_backs_off_until_it_answers(server: PlainServer) -> None:
    """Nothing listening: each try is a failure, 0.5 s, 1 s, 2 s, 2 s apart; back to 0 after."""
    run, transport = runner(f"http://127.0.0.1:{free_port()}", spec_text(READ, CREATE, ""))
    run.iteration()  # the setup itself is refused: its own back-off (0.5 s ... 10 s) applies
    assert transport.sleeps == []
    run, transport = runner(server.url, spec_text(READ, CREATE))
    assert run.iteration()
    transport.base_url = f"http://127.0.0.1:{free_port()}"
    for _ in range(4):
        assert not run.iteration()
    assert transport.sleeps == [0.5, 1.0, 2.0, 2.0]
    assert all("ConnectionRefusedError" in f for f in transport.failures())
    transport.base_url = server.url
    assert run.iteration()
    assert transport.sleeps == [0.5, 1.0, 2.0, 2.0]


def test_a_bad_rule_is_a_spec_error_with_its_line() -> None:
    """prerequisitesRerunOn takes HTTP error statuses only, reported with file:line."""
    text = spec_text(READ, CREATE, 'prerequisitesRerunOn: [404, "gone"]\n')
    result = load_text(text, Path("inline.md"), CheckOptions(contracts=False))
    (problem,) = [str(p) for p in result.problems]
    assert problem.startswith("inline.md:3: error: prerequisitesRerunOn must be a list")
