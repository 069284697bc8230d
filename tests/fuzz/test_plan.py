"""Which operations a fuzz run covers, with which tokens and pins; and that only those are hit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from loadspec import load_specs
from loadspec.contract.lookup import Contract
from loadspec.fuzz import Credentials, Masker, PlanOptions, plan_fuzz, token_env
from loadspec.fuzz.engine import FuzzSettings, run_fuzz
from loadspec.fuzz.pins import pins_for
from loadspec.language.model import Step, TokenType

from .conftest import ROOT, CatchAll, write_spec

SPECS = ROOT / "specs" / "communication"
ANY_TOKEN = Credentials.single("plan-token-0001")
VARS = {"business_id": "biz-42"}


def test_default_selection_of_the_project_specs() -> None:
    """Runnable specs become targets per contract; the skipped seed spec is kept with its reason."""
    plan = plan_fuzz(load_specs([SPECS]), PlanOptions(ANY_TOKEN, VARS))
    names = {t.name for t in plan.targets}
    assert {"POST /business/communication/channels", "GET /platform/v1/clients"} <= names
    skipped = [e for e in plan.excluded if e.skipped]
    assert [e.path.name for e in skipped] == ["post_business_communication_messages.md"]
    assert "Requires webhook listener" in skipped[0].reason
    labels = {t.label for t in plan.targets}
    assert "POST /channels" in labels  # schemathesis' label: the path relative to the base path


def test_include_skipped_merges_specs_of_one_operation() -> None:
    """Two specs naming one operation make one target that lists both."""
    plan = plan_fuzz(load_specs([SPECS]), PlanOptions(ANY_TOKEN, VARS, include_skipped=True))
    messages = [t for t in plan.targets if t.name == "POST /business/communication/messages"]
    assert len(messages) == 1
    assert len(messages[0].specs) == len(
        list(SPECS.glob("post_business_communication_messages*.md"))
    )
    assert not plan.excluded


def test_run_variables_pin_what_the_specs_pin() -> None:
    """`business_uid: "{{business_id}}"` in a body and `business_id` in a query become pins."""
    plan = plan_fuzz(load_specs([SPECS]), PlanOptions(ANY_TOKEN, VARS))
    pins = {t.name: dict(t.pins.parameters) for t in plan.targets}
    assert pins["POST /business/communication/channels"] == {"body.business_uid": "biz-42"}
    assert pins["GET /platform/v1/clients"] == {"query.business_id": "biz-42"}


def test_without_the_variable_nothing_is_pinned() -> None:
    """A template whose run variable is not given is left to the fuzzer."""
    plan = plan_fuzz(load_specs([SPECS]), PlanOptions(ANY_TOKEN, {}))
    assert all(not t.pins for t in plan.targets)


PINNING_CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "servers": [{"url": "/api"}],
    "paths": {
        "/b/{biz}/items": {
            "parameters": [
                {"name": "biz", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "post": {
                "parameters": [
                    {"$ref": "#/components/parameters/Page"},
                    {"name": "X-On-Behalf-Of", "in": "header", "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Item"}}
                    }
                },
                "responses": {"200": {"description": "ok"}},
            },
        }
    },
    "components": {
        "parameters": {"Page": {"name": "page", "in": "query", "schema": {"type": "integer"}}},
        "schemas": {
            "Item": {
                "allOf": [
                    {"type": "object", "properties": {"owner": {"type": "string"}}},
                    {
                        "type": "object",
                        "properties": {"meta": {"type": "object"}, "name": {"type": "string"}},
                    },
                ]
            }
        },
    },
}


def test_pins_cover_path_query_header_and_nested_body() -> None:
    """Pins follow `$ref`s and `allOf`; only literal text and built-ins stay unpinned."""
    contract = Contract.from_dict(PINNING_CONTRACT, Path("/virtual/pins.json"))
    operation = contract.find_operation("POST", "/api/b/x/items")
    assert operation is not None
    step = Step(
        id="main_request",
        method=None,
        path="/api/b/{{business_id}}/items?ignored=1",
        params={"page": "{{page}}", "unknown": "{{business_id}}"},
        headers={"x-on-behalf-of": "{{business_id}}"},
        body={
            "owner": "owner-{{business_id}}",
            "name": "{{now_timestamp}}",
            "meta": {"tenant": "{{business_id}}"},
            "extra": "{{business_id}}",
        },
    )
    pins = pins_for(step, contract, operation, {"business_id": "biz", "page": "2"})
    assert dict(pins.parameters) == {
        "path.biz": "biz",
        "query.page": "2",
        "header.X-On-Behalf-Of": "biz",
        "body.owner": "owner-biz",
        "body.meta.tenant": "biz",
    }
    assert not pins.headers


def test_x_on_behalf_of_outside_the_contract_is_sent_as_a_header() -> None:
    """A step's `x_on_behalf_of` becomes a plain header where the contract does not declare it."""
    contract = Contract.from_dict(PINNING_CONTRACT, Path("/virtual/pins2.json"))
    operation = contract.find_operation("POST", "/api/b/x/items")
    assert operation is not None
    document = json.loads(json.dumps(PINNING_CONTRACT))
    document["paths"]["/b/{biz}/items"]["post"]["parameters"].pop()
    contract = Contract.from_dict(document, Path("/virtual/pins3.json"))
    operation = contract.find_operation("POST", "/api/b/x/items")
    assert operation is not None
    step = Step(id="main_request", x_on_behalf_of="{{business_id}}")
    assert dict(pins_for(step, contract, operation, VARS).headers) == {"X-On-Behalf-Of": "biz-42"}


def test_tokens_come_from_the_environment() -> None:
    """`LOADSPEC_TOKEN_<TYPE>` per type; admin tokens use the `Admin` scheme."""
    credentials = Credentials.from_env(
        {"LOADSPEC_TOKEN_STAFF": " s3cret ", "LOADSPEC_TOKEN_ADMIN": "adm1n"}
    )
    assert credentials.authorization(TokenType.STAFF) == "Bearer s3cret"
    assert credentials.authorization(TokenType.ADMIN) == "Admin adm1n"
    assert credentials.authorization(TokenType.CLIENT) is None
    assert (
        credentials.missing(TokenType.CLIENT) == "needs a client token: set LOADSPEC_TOKEN_CLIENT"
    )
    assert token_env(TokenType.DIRECTORY) == "LOADSPEC_TOKEN_DIRECTORY"
    redact = Masker(credentials.secrets)
    assert redact("Authorization: Bearer s3cret / Admin adm1n") == (
        "Authorization: Bearer [redacted] / Admin [redacted]"
    )


def test_spec_without_a_token_for_its_type_is_left_out(tmp_path: Path) -> None:
    """Against a real server, a spec whose token is missing is excluded with the variable to set."""
    (tmp_path / "c.json").write_text(json.dumps(PINNING_CONTRACT), encoding="utf-8")
    write_spec(tmp_path, "a.md", "POST /api/b/{biz}/items", "c.json", token="directory")
    plan = plan_fuzz(load_specs([tmp_path]), PlanOptions(Credentials.from_env({})))
    assert not plan.targets
    assert plan.excluded[0].reason == "needs a directory token: set LOADSPEC_TOKEN_DIRECTORY"


def test_remote_refs_are_reported_not_fetched(tmp_path: Path) -> None:
    """An operation whose schema points to another host is excluded with the reference named."""
    document = json.loads(json.dumps(PINNING_CONTRACT))
    document["components"]["schemas"]["Item"] = {
        "$ref": "https://schemas.example.invalid/item.json"
    }
    (tmp_path / "c.json").write_text(json.dumps(document), encoding="utf-8")
    write_spec(tmp_path, "a.md", "POST /api/b/{biz}/items", "c.json")
    plan = plan_fuzz(load_specs([tmp_path]), PlanOptions(ANY_TOKEN))
    assert not plan.targets
    assert (
        "refers to https://schemas.example.invalid/item.json, outside the contract"
        in plan.excluded[0].reason
    )


AND_CONTRACT: dict[str, Any] = {
    "swagger": "2.0",
    "basePath": "/api",
    "paths": {
        path: {
            method: {"responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}
            for method in ("get", "post")
        }
        for path in ("/a", "/b")
    },
}


def test_selection_is_method_and_path_not_either(tmp_path: Path, catch_all: CatchAll) -> None:
    """A spec naming POST /b fuzzes POST /b: not GET /b (same path), not POST /a (same method)."""
    (tmp_path / "c.json").write_text(json.dumps(AND_CONTRACT), encoding="utf-8")
    write_spec(tmp_path, "b.md", "POST /api/b", "c.json")
    plan = plan_fuzz(load_specs([tmp_path]), PlanOptions(ANY_TOKEN))
    settings = FuzzSettings(
        catch_all.url,
        ANY_TOKEN,
        max_examples=5,
        phases=("examples", "coverage", "fuzzing"),
        checks=("not_a_server_error",),
        seed=3,
    )
    result = run_fuzz(plan, settings, progress=lambda line: None)
    assert not result.failed
    assert result.operations[0].cases > 0
    documented = {(m, f"/api{p}") for p in ("/a", "/b") for m in ("GET", "POST")}
    assert catch_all.paths() & documented == {("POST", "/api/b")}
    # Besides it, only schemathesis' probes of the base URL and its undocumented-method checks.
    assert not any(path.startswith("/api/a") for _, path in catch_all.paths())


def test_missing_swagger_version_is_read_as_swagger2(tmp_path: Path, catch_all: CatchAll) -> None:
    """A contract without its `swagger` key (read as 2.0: it has basePath) is fuzzed, noted."""
    document = {k: v for k, v in AND_CONTRACT.items() if k != "swagger"}
    (tmp_path / "c.json").write_text(json.dumps(document), encoding="utf-8")
    write_spec(tmp_path, "a.md", "GET /api/a", "c.json")
    plan = plan_fuzz(load_specs([tmp_path]), PlanOptions(ANY_TOKEN))
    settings = FuzzSettings(catch_all.url, ANY_TOKEN, max_examples=3, phases=("fuzzing",), seed=3)
    result = run_fuzz(plan, settings, progress=lambda line: None)
    assert result.operations[0].cases > 0
    notes = result.contracts[0].notes
    assert any("no 'swagger' key" in note for note in notes)
    assert any("read as '2.0'" in note for note in notes)


@pytest.mark.parametrize("bad", [{"phases": ("fuzz",)}, {"max_examples": 0}])
def test_bad_settings_are_errors(bad: dict[str, Any]) -> None:
    """An unknown phase or an impossible example count is a clear LoadspecError."""
    from loadspec.errors import LoadspecError

    with pytest.raises(LoadspecError):
        FuzzSettings("http://127.0.0.1:1", ANY_TOKEN, **bad)
