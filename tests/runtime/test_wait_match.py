"""`wait: {match: {JSONPath: value}}`: waits that correlate on the callback body, with lines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest

from loadspec.language import CheckOptions, load_text
from loadspec.runtime.compiled import compile_spec
from loadspec.runtime.engine import SpecRunner
from loadspec.webhooks.box import CallbackBox
from tests.plain_server import TOKEN, PlainServer
from tests.runtime.support import RecordingTransport
from tests.runtime.test_engine import TOKENS

SPEC = """---
endpoint: "GET /x"
---
# T
## Prerequisites
```yaml
steps:
  - id: active
    wait:
      event: channel.status
      timeout: {timeout}
      match:
{match}
```
"""


TEST_REQUEST = """## Test Request
```yaml
steps:
  - id: main_request
    method: GET
    path: /x
    expect: {status: [200, 404]}
```
"""


@pytest.fixture(scope="module")
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def spec(match: str, timeout: str = "2000") -> str:
    return SPEC.format(match=match, timeout=timeout) + TEST_REQUEST


def problems(text: str) -> list[str]:
    result = load_text(text, Path("w.md"), CheckOptions(variables=frozenset({"uid"})))
    return [str(p) for p in result.problems]


def test_match_on_the_key_path_needs_no_callback() -> None:
    """`$.data.uid` is what callbacks are routed by: a match on it stands for `callback:`."""
    text = spec('        "$.data.uid": "{{uid}}"\n        "$.data.status": active')
    result = load_text(text, Path("w.md"), CheckOptions(variables=frozenset({"uid"})))
    assert result.ok, result.problems
    wait = result.unwrap().prerequisites[0].wait
    assert wait is not None and wait.callback == "{{uid}}"
    assert dict(wait.match) == {"$.data.uid": "{{uid}}", "$.data.status": "active"}


def test_bad_match_entries_are_errors_with_their_lines() -> None:
    """A JSONPath that does not compile, a list as a value, no key at all: file:line errors."""
    found = problems(spec('        "$.data[": x\n        "$.data.tags": [a, b]'))
    assert any(p.startswith("w.md:13: error: match:") for p in found), found
    assert any(p.startswith("w.md:14: error: match '$.data.tags'") for p in found), found
    assert any("wait needs 'callback'" in p for p in found), found


def test_a_name_in_a_match_value_is_checked_like_any_template() -> None:
    """`{{nope}}` in a match value is an unknown name, with the value's line."""
    found = problems(spec('        "$.data.uid": "{{uid}}"\n        "$.data.status": "{{nope}}"'))
    assert any(p.startswith("w.md:14: warning: {{nope}}") for p in found), found


def run_wait(server: PlainServer, text: str, *callbacks: dict[str, object]) -> list[str]:
    """Run `text` (its wait, then a GET) while `callbacks` arrive in order."""
    result = load_text(text, Path("w.md"), CheckOptions(contracts=False))
    assert result.ok, result.problems
    box = CallbackBox(events=frozenset({"channel.status"}))
    transport = RecordingTransport(server.url)
    runner = SpecRunner(compile_spec(result.unwrap()), transport, TOKENS, {"uid": "ch-1"}, box)

    def deliver() -> None:
        for number, payload in enumerate(callbacks):
            gevent.sleep(0.05)
            box.deliver(payload, f"d{number}")

    sender = gevent.spawn(deliver)
    runner.iteration()
    sender.join()
    return transport.failures()


def callback(status: str, uid: str = "ch-1") -> dict[str, object]:
    return {"event": "channel.status", "data": {"uid": uid, "status": status}}


def test_callbacks_that_do_not_match_are_passed_over(server: PlainServer) -> None:
    """`pending`, then another channel's `active`, then ours: the wait ends on the last."""
    text = spec('        "$.data.uid": "{{uid}}"\n        "$.data.status": active')
    sent = (callback("pending"), callback("active", "ch-2"), callback("active"))
    assert run_wait(server, text, *sent) == []


def test_no_matching_callback_fails_at_the_deadline_with_a_stable_message(
    server: PlainServer,
) -> None:
    """Only `pending` arrives: the wait fails naming what it matched on, not the ids."""
    text = spec('        "$.data.uid": "{{uid}}"\n        "$.data.status": active', "300")
    (failure,) = run_wait(server, text, callback("pending"))
    assert failure == (
        "active: no channel.status matching $.data.uid, $.data.status callback within 0.3 s"
    )
    assert TOKEN not in failure
