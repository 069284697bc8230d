"""Each step semantic of docs/spec-language.md, run by the engine against a plain local server."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loadspec.files import MAX_UPLOAD_BYTES
from loadspec.inputs.credentials import Credentials
from loadspec.language import CheckOptions, load_text
from loadspec.language.model import TokenType
from loadspec.runtime.compiled import compile_spec
from loadspec.runtime.engine import SpecRunner
from tests.plain_server import TOKEN, PlainServer
from tests.runtime.support import RecordingTransport

TOKENS = Credentials({TokenType.STAFF: TOKEN})


@pytest.fixture(scope="module")
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def spec_text(test_request: str, prerequisites: str = "", front: str = "") -> str:
    """A spec whose endpoint is its last request (the tests are about steps, not endpoints)."""
    methods = re.findall(r"method: (\w+)", test_request) or ["GET"]
    paths = re.findall(r"path: \"?([^\"\n]+)", test_request) or ["/"]
    endpoint = f"{methods[-1]} {re.sub(r'{{[^}]*}}', '{x}', paths[-1])}"
    pre = f"## Prerequisites\n```yaml\nsteps:\n{prerequisites}```\n" if prerequisites else ""
    return (
        f'---\nendpoint: "{endpoint}"\n{front}---\n# T\n{pre}'
        f"## Test Request\n```yaml\nsteps:\n{test_request}```\n"
    )


def runner(
    server: PlainServer, text: str, *, tokens: Credentials = TOKENS, **variables: Any
) -> tuple[SpecRunner, RecordingTransport]:
    result = load_text(text, Path("inline.md"), CheckOptions(contracts=False))
    assert result.ok, result.problems
    transport = RecordingTransport(server.url)
    spec = compile_spec(result.unwrap())
    return SpecRunner(spec, transport, tokens, variables), transport


# Ours: every step of the Test Request runs (the source system runs only the first).
ALL_STEPS = "testRequestSteps: all\n"

ECHO = """  - id: main_request
    method: POST
    path: /echo
    expect: {status: 200}
"""


def test_extract_chains_into_later_steps_keeping_types(server: PlainServer) -> None:
    """A uid extracted in a prerequisite fills the path; a lone number stays a number."""
    pre = """  - id: create
    method: POST
    path: /items
    body: {name: "n-{{unique_id}}"}
    extract: {uid: "$.data.item.uid", count: "$.data.item.count"}
    expect: {status: 201}
"""
    test = """  - id: main_request
    method: POST
    path: /echo
    params: {item: "{{uid}}"}
    body: {count: "{{count}}", label: "c={{count}}"}
    expect: {status: 200}
"""
    run, transport = runner(server, spec_text(test, pre))
    assert run.iteration()
    call = transport.calls[-1]
    assert call.json == {"count": 5, "label": "c=5"}
    assert call.params["item"] in server.items
    assert call.name == "POST /echo"
    assert transport.failures() == []


def test_prerequisites_once_per_user_then_the_test_repeats(server: PlainServer) -> None:
    """Prerequisites run at the first iteration only; the test request every time."""
    pre = """  - id: create
    method: POST
    path: /items
    extract: {uid: "$.data.item.uid"}
    expect: {status: 201}
"""
    run, transport = runner(server, spec_text(ECHO, pre))
    for _ in range(3):
        assert run.iteration()
    assert [c.path for c in transport.calls] == ["/items", "/echo", "/echo", "/echo"]


def test_prerequisites_per_iteration_when_the_spec_says_so(server: PlainServer) -> None:
    """prerequisitesScope: iteration reruns them before every test request."""
    pre = """  - id: create
    method: POST
    path: /items
    expect: {status: 201}
"""
    run, transport = runner(server, spec_text(ECHO, pre, "prerequisitesScope: iteration\n"))
    run.iteration()
    run.iteration()
    assert [c.path for c in transport.calls] == ["/items", "/echo", "/items", "/echo"]


def test_abort_sends_nothing_further_and_setup_retries_with_backoff(server: PlainServer) -> None:
    """A failed prerequisite with onFail abort stops the iteration; the next one backs off."""
    pre = """  - id: broken
    method: GET
    path: /status/500
    expect: {status: 200}
"""
    run, transport = runner(server, spec_text(ECHO, pre))
    assert not run.iteration()
    assert not run.iteration()
    assert [c.path for c in transport.calls] == ["/status/500", "/status/500"]
    assert transport.sleeps == [0.5]
    (failure, _) = transport.failures()
    assert failure.startswith("broken: expected status 200, got 500: ")


@pytest.mark.parametrize("mode", ["skip", "warn", "continue"])
def test_other_modes_go_on(server: PlainServer, mode: str) -> None:
    """skip, warn and continue count the failure and go on to the next step."""
    test = f"""  - id: first
    method: GET
    path: /status/503
    onFail: {mode}
{ECHO}"""
    run, transport = runner(server, spec_text(test, front=ALL_STEPS))
    assert run.iteration()
    assert [c.path for c in transport.calls] == ["/status/503", "/echo"]
    assert len(transport.failures()) == 1


def test_extract_that_matches_nothing_fails_with_path_and_excerpt(server: PlainServer) -> None:
    """The source system went on silently; we fail the step and say what was there."""
    test = """  - id: main_request
    method: POST
    path: /items
    extract: {nope: "$.data.missing"}
    expect: {status: 201}
"""
    run, transport = runner(server, spec_text(test))
    assert not run.iteration()
    (failure,) = transport.failures()
    assert failure.startswith('main_request: extract $.data.missing matched nothing in: {"data"')


def test_body_that_is_not_json(server: PlainServer) -> None:
    """A JSON content type with a garbage body is a failure with an excerpt."""
    test = """  - id: main_request
    method: GET
    path: /garbage
"""
    run, transport = runner(server, spec_text(test))
    assert not run.iteration()
    assert transport.failures() == ["main_request: body is not JSON: <html>not json"]


def test_connection_reset_is_a_failure_not_a_crash(server: PlainServer) -> None:
    """No response at all is counted with what happened."""
    test = """  - id: main_request
    method: GET
    path: /reset
"""
    run, transport = runner(server, spec_text(test))
    assert not run.iteration()
    (failure,) = transport.failures()
    assert failure.startswith("main_request: no response: ")


def test_tokens_headers_and_on_behalf_of(server: PlainServer) -> None:
    """The step's token type picks the credential; x_on_behalf_of becomes a header."""
    test = """  - id: main_request
    method: GET
    path: /echo
    token: directory
    x_on_behalf_of: "{{business_id}}"
    headers: {X-Trace: "t-{{business_id}}"}
"""
    tokens = Credentials({TokenType.DIRECTORY: "dir-token"})
    run, transport = runner(server, spec_text(test), tokens=tokens, business_id="b1")
    assert run.iteration()
    headers = transport.calls[0].headers
    assert headers["Authorization"] == "Bearer dir-token"
    assert headers["X-On-Behalf-Of"] == "b1"
    assert headers["X-Trace"] == "t-b1"


def test_constant_headers_are_built_once_and_templated_ones_every_time(
    server: PlainServer,
) -> None:
    """A step whose headers have no placeholder reuses one dict; a templated header renders
    each iteration's value."""
    test = """  - id: main_request
    method: GET
    path: /echo
    token: directory
    headers: {X-Static: "s"}
  - id: second
    method: GET
    path: /echo
    token: directory
    headers: {X-Trace: "t-{{unique_id}}"}
"""
    tokens = Credentials({TokenType.DIRECTORY: "dir-token"})
    run, transport = runner(server, spec_text(test, front=ALL_STEPS), tokens=tokens)
    assert run.iteration() and run.iteration()
    first, second, third, fourth = (call.headers for call in transport.calls)
    assert first is third
    assert first == {"X-Static": "s", "Authorization": "Bearer dir-token"}
    assert second["X-Trace"] != fourth["X-Trace"]
    assert second["Authorization"] == fourth["Authorization"] == "Bearer dir-token"


def test_on_behalf_of_true_sends_the_business_uid(server: PlainServer) -> None:
    """The source system's `x_on_behalf_of: true` sends the run variable business_uid."""
    test = """  - id: main_request
    method: GET
    path: /echo
    token: directory
    x_on_behalf_of: true
"""
    tokens = Credentials({TokenType.DIRECTORY: "dir-token"})
    run, transport = runner(server, spec_text(test), tokens=tokens, business_uid="biz-9")
    assert run.iteration()
    assert transport.calls[0].headers["X-On-Behalf-Of"] == "biz-9"


def test_only_the_first_test_request_step_runs_by_default(server: PlainServer) -> None:
    """As the source system runs a Test Request; `testRequestSteps: all` runs the chain."""
    test = f"""{ECHO}  - id: second
    method: GET
    path: /status/503
"""
    text = spec_text(test).replace('endpoint: "GET /status/503"', 'endpoint: "POST /echo"')
    run, transport = runner(server, text)
    assert run.iteration()
    assert [c.path for c in transport.calls] == ["/echo"]
    run, transport = runner(server, text.replace("---\n# T", f"{ALL_STEPS}---\n# T"))
    run.iteration()
    assert [c.path for c in transport.calls] == ["/echo", "/status/503"]


def test_protected_endpoint_and_missing_token(server: PlainServer) -> None:
    """The staff token opens /secure; a type without a token fails before sending."""
    secure = """  - id: main_request
    method: GET
    path: /secure
"""
    run, transport = runner(server, spec_text(secure))
    assert run.iteration() and transport.failures() == []
    admin = secure + "    token: admin\n"
    run, transport = runner(server, spec_text(admin))
    assert not run.iteration()
    assert transport.calls == []
    assert transport.failures() == ["main_request: no admin token: set LOADSPEC_TOKEN_ADMIN"]
    assert transport.sleeps == [0.5]  # nothing was sent: back off instead of spinning


def test_missing_variable_is_a_specific_failure(server: PlainServer) -> None:
    """A template name nobody gives fails the step and names the variable to set."""
    test = """  - id: main_request
    method: GET
    path: "/items/{{item_uid}}"
"""
    run, transport = runner(server, spec_text(test))
    assert not run.iteration()
    (failure,) = transport.failures()
    assert "template name 'item_uid' has no value" in failure
    assert "LOADSPEC_VAR_ITEM_UID" in failure


def test_sleep_after_success_only(server: PlainServer) -> None:
    """sleep (ms) pauses after a successful step, not after a failed one."""
    test = """  - id: ok
    method: GET
    path: /echo
    sleep: 250
  - id: bad
    method: GET
    path: /status/500
    sleep: 900
"""
    run, transport = runner(server, spec_text(test, front=ALL_STEPS))
    run.iteration()
    assert transport.sleeps == [0.25]


def test_poll_until_condition_then_extract(server: PlainServer) -> None:
    """A polling wait repeats its GET until the JSONPath condition holds."""
    test = """  - id: ready
    method: GET
    path: "/ready/{{unique_id}}"
    poll: {until: "$.state", equals: ready, interval: 10, timeout: 5000}
    extract: {polls: "$.polls"}
"""
    run, transport = runner(server, spec_text(test))
    assert run.iteration()
    names = [(row.kind, row.name) for row in transport.rows]
    assert names == [("GET", "GET /ready/{{unique_id}} (poll)")] * 3 + [("WAIT", "ready")]
    assert transport.sleeps == [0.01, 0.01]


def test_poll_times_out_with_the_last_value(server: PlainServer) -> None:
    """A condition that never holds fails the wait at its deadline, saying what it saw."""
    test = """  - id: ready
    method: GET
    path: /echo
    poll: {until: "$.method", equals: POST, interval: 1, timeout: 1}
"""
    run, transport = runner(server, spec_text(test))
    assert not run.iteration()
    assert (
        transport.failures()[-1]
        == "ready: $.method never became 'POST' within 0.001 s (last: 'GET')"
    )


def test_webhook_wait_without_listener_fails_clearly(server: PlainServer) -> None:
    """A webhook wait outside a load run (no listener) fails with a clear message."""
    wait = """  - id: active
    wait: {callback: "{{unique_id}}"}
"""
    run, transport = runner(server, spec_text(ECHO, wait))
    assert not run.iteration()
    assert transport.failures() == ["active: webhook waits need the listener of a load run"]


def test_secrets_never_in_failure_messages(server: PlainServer) -> None:
    """A response that echoes the token has it masked in the failure excerpt."""
    test = """  - id: main_request
    method: GET
    path: /echo
    expect: {status: 201}
"""
    run, transport = runner(server, spec_text(test))
    run.iteration()
    (failure,) = transport.failures()
    assert TOKEN not in failure
    assert "Bearer [redacted]" in failure


def test_failures_group_by_ids_and_keep_the_real_excerpt() -> None:
    """Uuids and long hex or digit runs become <id> where failures are counted (one row per
    behaviour); the excerpt itself keeps them, the example a report shows."""
    from loadspec.runtime.calls import excerpt, grouped

    body = b'{"uid": "3f2a9c1e-55aa-4b6e-9d1f-0a1b2c3d4e5f", "n": 12345678, "s": "pending"}'
    assert excerpt(body) == body.decode()
    assert grouped(excerpt(body)) == '{"uid": "<id>", "n": <id>, "s": "pending"}'
    assert grouped("pet 1000 not found") == "pet 1000 not found"  # a short number is a value


def test_an_id_the_cut_split_still_groups() -> None:
    """An id that straddles the excerpt's end is one group whatever its digits."""
    from loadspec.runtime.calls import excerpt, grouped

    def cut_at_uid(uid: str) -> str:
        return grouped(excerpt(("x" * 150 + f' "{uid}" and more text').encode()))

    first = cut_at_uid("3f2a9c1e-55aa-4b6e-9d1f-0a1b2c3d4e5f")
    assert first.endswith("<id>…")
    assert first == cut_at_uid("9b8c7d6e-1234-4b6e-9d1f-0a1b2c3d4e5f")


def test_fallback_steps_go_to_the_fallback_host(server: PlainServer) -> None:
    """useFallback (or the spec's useFallbackApi) sends that step to the fallback host."""
    test = """  - id: main_request
    method: GET
    path: /echo
    useFallback: true
"""
    run, transport = runner(server, spec_text(test))
    before = server.hits["GET /echo"]
    with PlainServer() as fallback:
        transport.fallback_url = fallback.url
        assert run.iteration()
        assert fallback.hits["GET /echo"] == 1
    assert transport.calls[0].use_fallback
    assert server.hits["GET /echo"] == before


@pytest.mark.parametrize(
    ("swap", "why"),
    [
        ("fifo", "is a FIFO, not a regular file"),
        ("device", "is a character device, not a regular file"),
        ("huge", "holds more than 32 MiB"),
    ],
)
def test_a_file_fields_file_swapped_for_a_fifo_or_device_is_refused_unread(
    server: PlainServer, tmp_path: Path, swap: str, why: str
) -> None:
    """Issue 23: `file_fields: /dev/zero` crashed the user (read until memory ran out), a FIFO
    blocks it for ever. Validated as a regular file, then swapped: the step fails at once with
    the reason, and nothing is sent."""
    upload = tmp_path / "up.bin"
    upload.write_bytes(b"x")
    step = """  - id: main_request
    method: POST
    path: /echo
    content_type: multipart
    file_fields: {attachment: up.bin}
"""
    result = load_text(spec_text(step), tmp_path / "s.md", CheckOptions(contracts=False))
    assert result.ok, result.problems
    upload.unlink()
    if swap == "fifo":
        os.mkfifo(upload)
    elif swap == "device":
        upload.symlink_to("/dev/zero")
    else:
        with upload.open("wb") as handle:
            handle.truncate(MAX_UPLOAD_BYTES + 1)
    transport = RecordingTransport(server.url)
    run = SpecRunner(compile_spec(result.unwrap()), transport, TOKENS, {})
    started = time.monotonic()
    assert not run.iteration()
    assert time.monotonic() - started < 5
    assert transport.calls == []
    assert transport.failures() == [f"main_request: file up.bin: {why}"]
