"""A reply's review against its contract: every break with its path, drift apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loadspec.contract.conformance import ResponseChecker
from loadspec.contract.lookup import Contract

PET = {
    "type": "object",
    "required": ["id", "name", "status"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "status": {"type": "string", "enum": ["available", "sold"]},
        "owner": {"$ref": "#/components/schemas/Owner"},
        "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
        "extra": {"type": "object"},
    },
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "paths": {
        "/pets/{petId}": {
            "get": {
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        }
                    },
                    "404": {"description": "no such pet"},
                }
            }
        }
    },
    "components": {
        "schemas": {
            "Pet": PET,
            "Owner": {
                "allOf": [
                    {"type": "object", "properties": {"first": {"type": "string"}}},
                    {"type": "object", "properties": {"last": {"type": "string"}}},
                ]
            },
            "Tag": {
                "type": "object",
                "properties": {"label": {"type": "string"}},
                "nullable": True,
            },
        }
    },
}


def checker(tmp_path: Path) -> ResponseChecker:
    contract = Contract.from_dict(CONTRACT, tmp_path / "pets.json")
    operation = contract.find_operation("GET", "/pets/7")
    assert operation is not None
    return ResponseChecker(operation, contract)


def review(
    tmp_path: Path, status: int, body: Any, content_type: str = "application/json"
) -> list[tuple[str, str, bool]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return [(f.code, f.where, f.drift) for f in checker(tmp_path).review(status, content_type, raw)]


def test_a_matching_reply_has_no_finding(tmp_path: Path) -> None:
    body = {
        "id": 7,
        "name": "Rex",
        "status": "sold",
        "owner": {"first": "A", "last": "B"},
        "tags": [{"label": "x"}, None],
        "extra": {"anything": 1},
    }
    assert review(tmp_path, 200, body) == []


def test_every_break_is_listed_with_its_path(tmp_path: Path) -> None:
    body = {"id": "seven", "status": "lost", "owner": {"first": 3}}
    found = review(tmp_path, 200, body)
    assert ("MISSING_REQUIRED_FIELD", "$", False) in found
    assert ("TYPE_MISMATCH", "$.id", False) in found
    assert ("INVALID_VALUE", "$.status", False) in found
    assert ("TYPE_MISMATCH", "$.owner.first", False) in found
    assert not any(drift for *_, drift in found)


def test_fields_the_schema_never_names_are_drift_through_refs_allof_and_items(
    tmp_path: Path,
) -> None:
    body = {
        "id": 7,
        "name": "Rex",
        "status": "sold",
        "colour": "red",
        "owner": {"first": "A", "middle": "Q"},
        "tags": [{"label": "x", "weight": 2}],
        "extra": {"free": "form"},
    }
    assert review(tmp_path, 200, body) == [
        ("UNDOCUMENTED_FIELD", "$.colour", True),
        ("UNDOCUMENTED_FIELD", "$.owner.middle", True),
        ("UNDOCUMENTED_FIELD", "$.tags[0].weight", True),
    ]


def test_status_content_type_and_body_problems(tmp_path: Path) -> None:
    assert review(tmp_path, 418, {}) == [("UNDOCUMENTED_STATUS", "", True)]
    assert review(tmp_path, 404, b"") == []
    assert review(tmp_path, 200, b"<html>", "text/html") == [("CONTENT_TYPE_MISMATCH", "", False)]
    assert review(tmp_path, 200, b"") == [("EMPTY_BODY", "", False)]
    assert review(tmp_path, 200, b"{not json") == [("INVALID_JSON", "", False)]


def test_values_in_messages_are_masked(tmp_path: Path) -> None:
    def redact(text: str, *, cut: bool = False) -> str:
        return text.replace("hunter2", "[redacted]")

    findings = checker(tmp_path).review(
        200,
        "application/json",
        json.dumps({"id": "hunter2", "name": "n", "status": "sold"}).encode(),
        redact,
    )
    assert findings and all("hunter2" not in f.message for f in findings)
    assert "[redacted]" in findings[0].message
