"""The contract files: valid OpenAPI, every fact of the gateway, and the stub's own schemas."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadspec.stub.gateway import schemas

from .support import CLIENTS_CONTRACT, GATEWAY_CONTRACT


def _load(path: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


GATEWAY = _load(GATEWAY_CONTRACT)
CLIENTS = _load(CLIENTS_CONTRACT)


def _resolve(document: dict[str, Any], node: Any) -> Any:
    if isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(document, target)
    return node


def _op(path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = GATEWAY["paths"][path][method]
    return operation


def _body_schema(operation: dict[str, Any]) -> Any:
    return _resolve(GATEWAY, operation["requestBody"]["content"]["application/json"]["schema"])


@pytest.mark.parametrize("path", [GATEWAY_CONTRACT, CLIENTS_CONTRACT], ids=["gateway", "clients"])
def test_contracts_are_valid_openapi(path: Path) -> None:
    """openapi-spec-validator accepts both files."""
    # In a child process: the validator imports requests/urllib3, which must not be imported
    # before locust in this one (gevent's monkey-patching).
    check = "import json, sys; from openapi_spec_validator import validate; "
    check += "validate(json.load(open(sys.argv[1])))"
    run = subprocess.run(
        [sys.executable, "-c", check, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]


def test_the_gateway_contract_has_every_path_of_the_gateway() -> None:
    """Base path and every operation the platform's contract has, plus GET /channels/{uid}."""
    assert GATEWAY["servers"][0]["url"] == "/business/communication"
    paths = GATEWAY["paths"].items()
    methods = {p: sorted(k for k in item if k != "parameters") for p, item in paths}
    assert methods == {
        "/channels": ["post"],
        "/channels/{uid}": ["delete", "get", "put"],
        "/messages": ["post"],
        "/messages/{messageUid}": ["put"],
        "/sessions": ["get", "post"],
        "/sessions/typing": ["post"],
        "/sessions/{uid}": ["delete", "put"],
    }


def test_enums_and_error_codes_are_the_gateways() -> None:
    """Channel and message statuses, channel types, directions and error codes, as specified."""
    found = GATEWAY["components"]["schemas"]
    assert found["ChannelResponseEntity"]["properties"]["status"]["enum"] == [
        "pending",
        "active",
        "inactive",
        "deleted",
        "blocked",
        "error",
    ]
    assert found["MessageResponseEntity"]["properties"]["status"]["enum"] == [
        "pending",
        "channel_pending",
        "sent",
        "received",
        "read",
        "error",
        "unavailable",
    ]
    channel_types = found["CreateChannelDto"]["properties"]["type"]["enum"]
    assert channel_types == ["transactional", "promotional"]
    assert found["CreateMessageDto"]["properties"]["direction"]["enum"] == [
        "client_to_business",
        "business_to_client",
    ]
    assert found["StandardError"]["properties"]["code"]["enum"] == [
        "missing",
        "missing_field",
        "invalid",
        "already_exists",
        "duplicate",
        "too_long",
        "unexpected",
        "unauthorized",
        "timeout",
    ]
    assert GATEWAY["x-throttling-tier"] == "8ReqPerSec"


def test_statuses_where_they_apply() -> None:
    """201 on creation, 200/201 on messages, 401/429 everywhere, 404/409/422 where they can be."""
    for path, item in GATEWAY["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            codes = set(operation["responses"])
            assert {"401", "429"} <= codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
    assert set(_op("/messages", "post")["responses"]) >= {"200", "201", "404", "409"}
    assert "201" in _op("/channels", "post")["responses"]
    retry = _resolve(GATEWAY, _op("/messages", "post")["responses"]["429"])["headers"]
    assert retry["Retry-After"]["required"] is True


def test_bearer_security_applies_to_every_operation() -> None:
    """A staff token as `Authorization: Bearer`, for the whole API."""
    for document in (GATEWAY, CLIENTS):
        assert document["security"] == [{"Bearer": []}]
        assert document["components"]["securitySchemes"]["Bearer"] == {
            **document["components"]["securitySchemes"]["Bearer"],
            "type": "http",
            "scheme": "bearer",
        }


def test_callbacks_are_registered_per_channel_and_signed() -> None:
    """POST /channels takes a callback_url; its callbacks are declared with their signature."""
    create = _op("/channels", "post")
    assert "callback_url" in _body_schema(create)["properties"]
    callbacks = create["callbacks"]
    assert set(callbacks) == {"channelStatus", "messageStatus", "sessionStatus"}
    for callback in callbacks.values():
        post = callback["{$request.body#/callback_url}"]["post"]
        assert post["security"] == [{"CallbackSignature": []}]
    scheme = GATEWAY["components"]["securitySchemes"]["CallbackSignature"]
    assert "payload_hash" in scheme["description"] and "HS256" in scheme["description"]


def test_links_chain_channel_to_message() -> None:
    """A fuzzer can go from a created channel to a message on it, and on to its update."""
    links = _op("/channels", "post")["responses"]["201"]["links"]
    assert links["CreateMessage"]["operationId"] == "createMessage"
    assert links["CreateMessage"]["requestBody"] == {
        "channel_uid": "$response.body#/data/channel/uid"
    }
    assert links["GetChannel"]["operationId"] == "getChannel"
    message_links = _op("/messages", "post")["responses"]["201"]["links"]
    assert message_links["UpdateMessage"]["operationId"] == "updateMessage"


def test_request_schemas_are_the_stubs_own() -> None:
    """The stub validates with exactly the contract's request schemas and query parameters."""
    declared = GATEWAY["components"]["schemas"]
    for name, schema in schemas.REQUEST_BODIES.items():
        assert declared[name] == schema, name
    params = {p["name"]: p for p in _op("/sessions", "get")["parameters"]}
    _same_query(params, schemas.SESSIONS_QUERY)
    clients = CLIENTS["paths"]["/clients"]["get"]["parameters"]
    _same_query({p["name"]: p for p in clients if p["in"] == "query"}, schemas.CLIENTS_QUERY)


def _same_query(params: dict[str, Any], spec: dict[str, tuple[dict[str, Any], bool]]) -> None:
    assert set(params) == set(spec)
    for name, (schema, required) in spec.items():
        described = {**params[name]["schema"], "description": params[name]["description"]}
        assert described == schema and params[name]["required"] is required, name


def test_the_clients_contract_matches_the_platform() -> None:
    """GET /platform/v1/clients: paging limits, envelopes, 401/422/429."""
    assert CLIENTS["servers"][0]["url"] == "/platform/v1"
    operation = CLIENTS["paths"]["/clients"]["get"]
    params = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert params["per_page"] == {**params["per_page"], "default": 25, "maximum": 100}
    assert {"business_id", "page", "search_term", "X-On-Behalf-Of"} <= set(params)
    assert set(operation["responses"]) == {"200", "401", "422", "429"}
    error = CLIENTS["components"]["schemas"]["ClientsError"]
    assert error["properties"]["status"]["enum"] == ["Error"]
