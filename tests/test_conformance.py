"""Response conformance checks, as load runs use them: our gateway contract and small contracts."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from loadspec.config.units import parse_share
from loadspec.contract import conformance
from loadspec.contract import validators as schema_validators
from loadspec.contract.conformance import ConformanceError, ResponseChecker, Sampler
from loadspec.contract.lookup import Contract, load_contract
from loadspec.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
GATEWAY = ROOT / "swagger" / "communication" / "legacy" / "communication.json"
JSON = "application/json"


@pytest.fixture(scope="module")
def channel() -> dict[str, Any]:
    """A channel as the embedded gateway creates it, so the fixture follows the contract."""
    from loadspec.stub import StubServer

    with StubServer(activation_delay="uniform:20:60", seed=3) as stub:
        response = httpx.post(
            f"{stub.url}/business/communication/channels",
            json={"business_uid": "b1", "type": "transactional"},
            headers={"Authorization": f"Bearer {stub.token}"},
            timeout=10,
        )
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


def body(value: Any) -> bytes:
    return json.dumps(value).encode()


@pytest.fixture
def channels() -> ResponseChecker:
    operation = load_contract(GATEWAY).find_operation("POST", "/business/communication/channels")
    assert operation is not None
    return ResponseChecker.for_operation(operation)


def checker_for(document: dict[str, Any], method: str, path: str) -> ResponseChecker:
    contract = Contract.from_dict(document, Path(f"/virtual/{id(document)}.json"))
    operation = contract.find_operation(method, path)
    assert operation is not None
    return ResponseChecker(operation, contract)


def test_valid_gateway_response_passes(channels: ResponseChecker, channel: dict[str, Any]) -> None:
    """A response exactly as the contract documents it is no violation."""
    assert channels.check(201, "application/json; charset=utf-8", body(channel)) is None


def test_wrong_type_names_the_path_and_value(
    channels: ResponseChecker, channel: dict[str, Any]
) -> None:
    """The contract-breaking fault (a member of the wrong type) is caught with its path."""
    broken = {**channel, "success": 42}
    assert channels.check(201, JSON, body(broken)) == (
        "contract: 201 body at $.success: 42 is not of type 'boolean'"
    )


def test_missing_member_is_reported(channels: ResponseChecker) -> None:
    """The fault's other form, a required member missing, is caught at the body's root."""
    assert channels.check(201, JSON, body({"success": True})) == (
        "contract: 201 body at $: 'data' is a required property"
    )


def test_nested_enum_violation(channels: ResponseChecker, channel: dict[str, Any]) -> None:
    """Errors deep in a `$ref`ed schema carry their full JSON path."""
    broken = copy.deepcopy(channel)
    broken["data"]["channel"]["status"] = "sleeping"
    message = channels.check(201, JSON, body(broken))
    assert message is not None
    assert message.startswith("contract: 201 body at $.data.channel.status: 'sleeping' is not one")


def test_long_values_are_truncated_and_grouping_drops_them(
    channels: ResponseChecker, channel: dict[str, Any]
) -> None:
    """A failing value never floods a message, and the grouping key is the same for any value."""
    first, second = copy.deepcopy(channel), copy.deepcopy(channel)
    first["data"]["channel"]["status"] = "x" * 5000
    second["data"]["channel"]["status"] = "y" * 10
    one = channels.violation(201, JSON, body(first))
    two = channels.violation(201, JSON, body(second))
    assert one is not None and two is not None
    assert len(one.message) < 300 and "..." in one.message
    assert (
        one.grouping
        == two.grouping
        == (
            "contract: 201 body at $.data.channel.status: breaks 'enum' "
            '(["pending", "active", "inactive", "deleted", "blocked", "error"])'
        )
    )


def test_nullable_member_accepts_null_and_its_type(
    channels: ResponseChecker, channel: dict[str, Any]
) -> None:
    """OpenAPI 3.0 `nullable: true` allows null besides the declared type, nothing else."""
    with_url = copy.deepcopy(channel)
    with_url["data"]["channel"]["callback_url"] = "http://127.0.0.1:9/cb"
    assert channels.check(201, JSON, body(with_url)) is None
    with_url["data"]["channel"]["callback_url"] = 5
    assert channels.check(201, JSON, body(with_url)) is not None


def test_undocumented_status(channels: ResponseChecker) -> None:
    """A status the contract does not list is a violation that names the documented ones."""
    assert channels.check(418, JSON, b"{}") == (
        "contract: 418: status 418 is not documented (documented: 201, 400, 401, 413, 422, 429)"
    )


def test_error_responses_are_checked_too(channels: ResponseChecker) -> None:
    """Documented error statuses are validated against their (shared, `$ref`ed) schema."""
    good = {"success": False, "errors": [{"code": "unexpected", "message": "slow down"}]}
    assert channels.check(429, JSON, body(good)) is None
    assert channels.check(429, JSON, body({"success": False, "errors": []})) == (
        "contract: 429 body at $.errors: [] should be non-empty"
    )


def test_undocumented_content_type(channels: ResponseChecker) -> None:
    """HTML where JSON is documented is a content type violation."""
    message = channels.check(201, "text/html", b"<html></html>")
    assert message == (
        "contract: 201: content type 'text/html' is not documented for 201 "
        "(documented: application/json)"
    )


def test_body_that_is_not_json(channels: ResponseChecker) -> None:
    """A truncated JSON body (the stub's malformed fault) is reported as not JSON."""
    message = channels.check(201, JSON, b'{"success": tr\x00}')
    assert message is not None
    assert message.startswith(
        "contract: 201: body is not JSON where application/json is documented"
    )


def test_empty_body_where_json_is_documented(channels: ResponseChecker) -> None:
    """An empty 201 body is a violation when the contract documents a JSON schema for it."""
    assert channels.check(201, JSON, b"") == (
        "contract: 201: empty body where application/json is documented"
    )


def test_missing_content_type_assumes_json(
    channels: ResponseChecker, channel: dict[str, Any]
) -> None:
    """Without a Content-Type header, the documented JSON schema still applies."""
    assert channels.check(201, None, body(channel)) is None
    assert channels.check(201, None, body({"success": True})) is not None


SWAGGER2: dict[str, Any] = {
    "swagger": "2.0",
    "basePath": "/api",
    "produces": ["application/json"],
    "paths": {
        "/items/{id}": {
            "get": {
                "responses": {
                    "200": {"schema": {"$ref": "#/definitions/Item"}},
                    "404": {"$ref": "#/responses/NotFound"},
                    "default": {"description": "anything else", "schema": {"type": "object"}},
                }
            }
        },
        "/upload": {"post": {"responses": {"204": {"description": "stored"}}}},
    },
    "definitions": {
        "Item": {
            "type": "object",
            "required": ["id", "children"],
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "note": {"type": "string", "x-nullable": True},
                "kind": {"type": "string", "enum": ["a", "b"], "x-nullable": True},
                "children": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
            },
        },
    },
    "responses": {"NotFound": {"description": "no such item", "schema": {"type": "string"}}},
}


def test_swagger2_definitions_recursion_and_x_nullable() -> None:
    """Swagger 2.0: `definitions` refs (recursive ones too), `x-nullable` on types and enums."""
    checker = checker_for(SWAGGER2, "GET", "/api/items/7")
    item: dict[str, Any] = {
        "id": 1,
        "note": None,
        "kind": None,
        "children": [{"id": 2, "children": []}],
    }
    assert checker.check(200, JSON, body(item)) is None
    item["children"][0]["id"] = 0
    assert checker.check(200, JSON, body(item)) == (
        "contract: 200 body at $.children[0].id: 0 is less than the minimum of 1"
    )


def test_swagger2_response_refs_and_default() -> None:
    """Response `$ref`s resolve; undocumented statuses fall back to `default`."""
    checker = checker_for(SWAGGER2, "GET", "/api/items/7")
    assert checker.check(404, JSON, body("gone")) is None
    assert checker.check(404, JSON, body({"not": "a string"})) is not None
    assert checker.check(503, JSON, body({"any": "object"})) is None
    assert checker.check(503, JSON, body([1])) == (
        "contract: 503 body at $: [1] is not of type 'object'"
    )


def test_response_without_schema_accepts_any_body() -> None:
    """A documented response without a schema (and 204) is not body-checked."""
    checker = checker_for(SWAGGER2, "POST", "/api/upload")
    assert checker.check(204, None, b"") is None


OPENAPI30: dict[str, Any] = {
    "openapi": "3.0.3",
    "servers": [{"url": "/v3"}],
    "paths": {
        "/things": {
            "get": {
                "responses": {
                    "2XX": {
                        "description": "ok",
                        "content": {
                            "application/vnd.things+json": {
                                "schema": {"$ref": "#/components/schemas/Page"}
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "4XX": {"description": "client error"},
                }
            }
        }
    },
    "components": {
        "schemas": {
            "Page": {
                "type": "object",
                "properties": {
                    "next": {"$ref": "#/components/schemas/Cursor", "nullable": True},
                    "total": {"type": "integer", "minimum": 0, "exclusiveMinimum": True},
                    "remote": {"$ref": "#/components/schemas/Remote"},
                },
            },
            "Cursor": {"type": "string", "minLength": 4},
            "Remote": {"$ref": "https://schemas.example.invalid/remote.json"},
        }
    },
}


def test_status_ranges_and_json_suffix_media_types() -> None:
    """`2XX` keys match any 2xx; `+json` media types are validated as JSON."""
    page = copy.deepcopy(OPENAPI30)
    del page["components"]["schemas"]["Page"]["properties"]["remote"]
    checker = checker_for(page, "GET", "/v3/things")
    assert checker.check(206, "application/vnd.things+json", body({"next": None})) is None
    assert checker.check(200, "application/vnd.things+json", body({"next": "abcd"})) is None
    assert checker.check(200, "application/vnd.things+json", body({"next": "ab"})) is not None
    assert checker.check(200, "text/csv", b"a,b") is None
    assert checker.check(404, "text/plain", b"nope") is None


def test_openapi30_boolean_exclusive_minimum() -> None:
    """OpenAPI 3.0's boolean `exclusiveMinimum` keeps its draft 4 meaning."""
    page = copy.deepcopy(OPENAPI30)
    del page["components"]["schemas"]["Page"]["properties"]["remote"]
    checker = checker_for(page, "GET", "/v3/things")
    assert checker.check(200, "application/vnd.things+json", body({"total": 0})) is not None
    assert checker.check(200, "application/vnd.things+json", body({"total": 1})) is None


def test_remote_refs_are_never_fetched_and_noted() -> None:
    """A schema that refers outside its contract is not checked (nothing is fetched), and noted."""
    checker = checker_for(OPENAPI30, "GET", "/v3/things")
    assert checker.check(200, "application/vnd.things+json", body({"total": -5})) is None
    assert len(checker.notes) == 1
    assert "refers to https://schemas.example.invalid/remote.json" in checker.notes[0]


def test_openapi31_type_arrays() -> None:
    """OpenAPI 3.1 schemas are JSON Schema 2020-12: `type` lists work as written."""
    document = {
        "openapi": "3.1.0",
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                JSON: {
                                    "schema": {
                                        "type": "object",
                                        "properties": {"n": {"type": ["integer", "null"]}},
                                    }
                                }
                            },
                        }
                    }
                }
            }
        },
    }
    checker = checker_for(document, "GET", "/x")
    assert checker.check(200, JSON, body({"n": None})) is None
    assert checker.check(200, JSON, body({"n": "one"})) is not None


def test_messages_are_the_same_without_the_fast_validator(
    channels: ResponseChecker, monkeypatch: pytest.MonkeyPatch, channel: dict[str, Any]
) -> None:
    """jsonschema-rs only speeds up valid responses: jsonschema alone gives the same answers."""
    broken = {**channel, "success": 42}
    expected = [channels.check(201, JSON, body(channel)), channels.check(201, JSON, body(broken))]
    monkeypatch.setattr(schema_validators, "jsonschema_rs", None)
    conformance.clear_cache()
    try:
        operation = load_contract(GATEWAY).find_operation(
            "POST", "/business/communication/channels"
        )
        assert operation is not None
        slow = ResponseChecker.for_operation(operation)
        assert [
            slow.check(201, JSON, body(channel)),
            slow.check(201, JSON, body(broken)),
        ] == expected
    finally:
        conformance.clear_cache()


def test_checkers_are_cached_per_operation(channels: ResponseChecker) -> None:
    """The same operation gets the same checker, so validators compile once per run."""
    operation = load_contract(GATEWAY).find_operation("POST", "/business/communication/channels")
    assert operation is not None
    assert ResponseChecker.for_operation(operation) is channels


@pytest.mark.parametrize(("rate", "picked"), [(0.0, 0), (1.0, 1000), (0.1, 100), (0.25, 250)])
def test_sampler_picks_exactly_the_rate(rate: float, picked: int) -> None:
    """Over 1000 responses a sampler picks rate x 1000 of them, with no randomness."""
    sampler = Sampler(rate)
    assert sum(sampler.sample() for _ in range(1000)) == picked


def test_sampler_picks_the_first_response() -> None:
    """Short runs still check something: the first response is picked for any rate above 0."""
    assert Sampler(0.001).sample() is True
    assert Sampler(0.0).sample() is False


@pytest.mark.parametrize("rate", [-0.1, 1.5, float("nan"), float("inf")])
def test_sampler_rejects_impossible_rates(rate: float) -> None:
    with pytest.raises(ConformanceError, match="must be between 0 and 1"):
        Sampler(rate)


def test_parse_share() -> None:
    """`--validate-responses` takes fractions and percentages; anything else is a clear error."""
    assert parse_share("1") == 1.0
    assert parse_share(" 0.05 ") == 0.05
    assert parse_share("5%") == pytest.approx(0.05)
    with pytest.raises(ConfigError, match="'lots' is not a number"):
        parse_share("lots")
    with pytest.raises(ConfigError, match="between 0 and 1"):
        parse_share("2")


def test_importing_it_keeps_http_libraries_out() -> None:
    """The Locust layer imports this before gevent patches: no requests, urllib3 or schemathesis."""
    code = (
        "import sys, loadspec.contract.conformance\n"
        "bad = {'requests', 'urllib3', 'schemathesis', 'locust'} & set(sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("break_rate", [0.0, 1.0])
def test_real_gateway_responses(break_rate: float) -> None:
    """Responses of the embedded gateway pass; with its contract-breaking fault on, they fail."""
    from loadspec.stub import Faults, StubServer

    operation = load_contract(GATEWAY).find_operation("POST", "/business/communication/channels")
    assert operation is not None
    checker = ResponseChecker.for_operation(operation)
    faults = Faults(contract_break_rate=break_rate)
    with StubServer(activation_delay="uniform:20:60", seed=3, faults=faults) as stub:
        headers = {"Authorization": f"Bearer {stub.token}"}
        with httpx.Client(base_url=stub.url, headers=headers, timeout=10) as http:
            results = []
            for _ in range(6):
                response = http.post(
                    "/business/communication/channels",
                    json={"business_uid": "b1", "type": "transactional"},
                )
                results.append(
                    checker.check(
                        response.status_code, response.headers.get("content-type"), response.content
                    )
                )
    if break_rate:
        assert all(r is not None and r.startswith("contract: 201 body at $") for r in results)
    else:
        assert results == [None] * 6


@pytest.mark.parametrize(
    "contract", ["communication/legacy/communication.json", "clients/clients.json"]
)
def test_every_documented_schema_gets_the_fast_validator(contract: str) -> None:
    """Every response schema of our contracts compiles for jsonschema-rs (else checks are slow)."""
    loaded = load_contract(ROOT / "swagger" / contract)
    for operation in loaded.operations():
        checker = ResponseChecker(operation, loaded)
        pointers = [m.pointer for ms in checker._responses.values() for m in ms if m.pointer]
        for pointer in pointers:
            assert checker._validator(pointer).fast is not None, (operation, pointer)


def test_huge_integers_are_integers() -> None:
    """A JSON integer beyond 64 bits is still an integer (the fast parser reads it as a float)."""
    document = {
        "openapi": "3.0.3",
        "paths": {
            "/n": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {JSON: {"schema": {"type": "integer"}}},
                        }
                    }
                }
            }
        },
    }
    checker = checker_for(document, "GET", "/n")
    assert checker.check(200, JSON, b"123456789012345678901234567890") is None
    assert (
        checker.check(200, JSON, b"1.5") == "contract: 200 body at $: 1.5 is not of type 'integer'"
    )
