"""The stub's parts in isolation: delays, faults, limits, validation, clients, signatures."""

from __future__ import annotations

import random
from urllib.parse import parse_qs

import pytest

import loadspec.stub
from loadspec.stub import Delay, DelayKind, Faults, StubConfig, StubConfigError, parse_delay
from loadspec.stub.gateway.callbacks import is_loopback_url
from loadspec.stub.gateway.clients import ClientQuery, ClientsDirectory
from loadspec.stub.gateway.http import parse_query
from loadspec.stub.gateway.ratelimit import RateLimiter
from loadspec.stub.gateway.validation import Issue, compile_schema
from loadspec.webhooks.signing import (
    CallbackSignatureError,
    payload_hash,
    sign_callback,
    verify_callback,
)

SECRET = "unit-test-secret-of-at-least-32-bytes"


def test_public_surface_is_pinned() -> None:
    """What `loadspec.stub` exports is deliberate."""
    assert sorted(loadspec.stub.__all__) == [
        "DEFAULT_BUSINESS_UID",
        "DEFAULT_TOKEN",
        "Delay",
        "DelayKind",
        "Faults",
        "ServerKind",
        "StubConfig",
        "StubConfigError",
        "StubServer",
        "StubStartError",
        "parse_delay",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50", Delay(DelayKind.FIXED, 50)),
        ("fixed:0", Delay()),
        ("uniform:10:200", Delay(DelayKind.UNIFORM, 10, 200)),
        ("exp:30", Delay(DelayKind.EXP, 30)),
        ("NORMAL:100:20", Delay(DelayKind.NORMAL, 100, 20)),
    ],
)
def test_delays_parse_and_print_back(text: str, expected: Delay) -> None:
    """Each delay form parses, and prints in a form that parses to the same delay."""
    assert parse_delay(text) == expected
    assert parse_delay(str(expected)) == expected


@pytest.mark.parametrize(
    "text", ["", "soon", "gamma:1", "uniform:5", "uniform:9:1", "fixed:-1", "exp:nan", "fixed:inf"]
)
def test_bad_delays_say_what_is_expected(text: str) -> None:
    """Unknown kinds, wrong arity, inverted or non-finite bounds are config errors."""
    with pytest.raises(StubConfigError, match="delay"):
        parse_delay(text)


def test_delays_sample_within_their_shape() -> None:
    """Samples are in seconds, never negative, within uniform bounds."""
    rng = random.Random(1)
    uniform = [parse_delay("uniform:10:20").sample(rng) for _ in range(200)]
    assert all(0.01 <= s <= 0.02 for s in uniform)
    assert all(parse_delay("normal:0:50").sample(rng) >= 0 for _ in range(200))
    assert parse_delay("fixed:250").sample(rng) == 0.25


def test_rates_and_config_values_are_checked() -> None:
    """Probabilities outside [0, 1] and impossible settings are refused up front."""
    with pytest.raises(StubConfigError, match="error_rate"):
        Faults(error_rate=1.5)
    for bad in (
        {"tokens": ()},
        {"tokens": (" padded",)},
        {"callback_attempts": 0},
        {"port": 70000},
        {"max_body": 10},
    ):
        with pytest.raises(StubConfigError):
            StubConfig(**bad)  # type: ignore[arg-type]
    assert not Faults().serving_faults and Faults(latency=parse_delay("1")).serving_faults


def test_the_rate_limiter_allows_its_rate_per_key() -> None:
    """8/s: a burst of 8 passes, the 9th waits about a second, another key is unaffected."""
    now = [0.0]
    limiter = RateLimiter(8, clock=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(8)] == [None] * 8
    assert limiter.retry_after("a") == 1
    assert limiter.retry_after("b") is None
    now[0] += 0.125
    assert limiter.retry_after("a") is None
    assert RateLimiter(0).retry_after("a") is None


def _issues(schema: dict[str, object], value: object) -> list[Issue]:
    issues: list[Issue] = []
    compile_schema(schema)(value, "$", issues)
    return issues


def test_patterns_follow_json_schema_not_python() -> None:
    """An ECMA `$` does not match before a trailing newline; classes are ASCII."""
    schema = {"type": "string", "pattern": "^[0-9]{2}$"}
    assert _issues(schema, "12") == []
    assert _issues(schema, "12\n") and _issues(schema, "١٢")


def test_enums_do_not_confuse_booleans_and_numbers() -> None:
    """`true` is no member of `[1]`, as in JSON Schema."""
    assert _issues({"enum": [1]}, True)
    assert _issues({"type": "integer"}, True)
    assert _issues({"enum": [1]}, 1) == []


def test_unsupported_schema_keywords_fail_at_compile_time() -> None:
    """A keyword the validator does not implement is a bug, not a silent pass."""
    with pytest.raises(ValueError, match="oneOf"):
        compile_schema({"oneOf": []})


def test_clients_are_deterministic_and_searchable() -> None:
    """Same business, same clients, across instances; search and paging narrow them."""
    one, two = ClientsDirectory(30, seed=None), ClientsDirectory(30, seed=None)
    assert one.clients_of("biz") == two.clients_of("biz")
    assert one.clients_of("biz") != ClientsDirectory(30, seed=1).clients_of("biz")
    target = one.clients_of("biz")[7]
    query = ClientQuery("biz", search_term=str(target["id"]).upper(), search_by="uid")
    assert one.page(query) == [target]
    assert len(one.page(ClientQuery("biz", page=3, per_page=12))) == 6


def test_signatures_verify_and_bind_the_body() -> None:
    """A signed body verifies; another body, secret, issuer or scheme does not."""
    body = b'{"event":"channel.status"}'
    header = sign_callback(body, SECRET)
    claims = verify_callback(body, header, SECRET)
    assert claims["payload_hash"] == payload_hash(body) and claims["iss"] == "communication-gw"
    for args in (
        (body + b" ", header, SECRET),
        (body, header, SECRET + "x"),
        (body, header.replace("Bearer", "Basic"), SECRET),
        (body, "Bearer junk", SECRET),
    ):
        with pytest.raises(CallbackSignatureError):
            verify_callback(*args)
    with pytest.raises(CallbackSignatureError):
        verify_callback(body, sign_callback(body, SECRET, issuer="other"), SECRET)
    assert verify_callback(body, sign_callback(body, SECRET, issuer="other"), SECRET, issuer=None)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:9000/cb", True),
        ("https://localhost/cb", True),
        ("http://127.8.9.1", True),
        ("http://example.com/cb", False),
        ("http://10.0.0.1/cb", False),
        ("ftp://127.0.0.1/", False),
        ("http://127.0.0.1:99999/", False),
        ("http:///nohost", False),
    ],
)
def test_callbacks_only_go_to_loopback(url: str, loopback: bool) -> None:
    """Callback targets are limited to this machine."""
    assert is_loopback_url(url) is loopback


@pytest.mark.parametrize(
    "raw",
    ["", "a=1&b=2", "a=1&a=2", "a", "a=&=b", "x=%41%2B+y&&z=%zz", "k%20=v+w", "é=ü", "a=1;b=2"],
)
def test_the_fast_query_parser_agrees_with_the_stdlib(raw: str) -> None:
    """Same result as `parse_qs(..., keep_blank_values=True)` for any query string."""
    assert parse_query(raw) == parse_qs(raw, keep_blank_values=True)


def test_what_runs_without_a_host_check_is_what_the_gateway_routes() -> None:
    """`stub.served` (read by load runs without --host) names exactly the gateway's routes."""
    import asyncio

    from loadspec.stub.gateway.app import Dispatcher
    from loadspec.stub.served import SERVED_OPERATIONS

    async def routes() -> dict[str, frozenset[str]]:
        return Dispatcher(StubConfig()).operations()

    assert asyncio.run(routes()) == dict(SERVED_OPERATIONS)


@pytest.mark.parametrize(
    ("method", "path", "served"),
    [
        ("POST", "/business/communication/channels", True),
        ("GET", "/business/communication/channels/{{channel_uid}}", True),
        ("GET", "/business/communication/channels/abc", True),
        ("get", "/platform/v1/clients?business_id={{business_id}}", True),
        ("POST", "/platform/v1/clients", False),  # the path is served, not that method
        ("GET", "/pet/{{pet_id}}", False),
        ("GET", "/api/v3/pet/findByStatus", False),
        ("GET", "/business/communication/channels/{{uid}}/extra", False),
    ],
)
def test_served_matches_spec_paths_with_placeholders(method: str, path: str, served: bool) -> None:
    """A spec step's path is served when its method and segments match a route's."""
    from loadspec.stub.served import serves

    assert serves(method, path) is served
