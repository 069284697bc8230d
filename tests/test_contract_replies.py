"""validate knows the contract's responses: extracts, empty bodies, statuses; id built-ins."""

from __future__ import annotations

import json
from pathlib import Path

from loadspec.language import CheckOptions, load_specs
from loadspec.templating.render import RenderContext, compile_value
from tests.check.specs import write_spec

PET = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                   "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}},
}  # fmt: skip
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "servers": [{"url": "/api/v3"}],
    "paths": {
        "/pet": {
            "post": {"responses": {"201": {"description": "created, no body"}}},
            "get": {"responses": {"200": {"description": "pets", "content": {"application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}},
        },
        "/pet/{petId}": {"get": {"responses": {
            "200": {"description": "a pet", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Pet"}}}},
            "404": {"description": "no such pet"}}}},
        "/free": {"get": {"responses": {"200": {"description": "anything", "content": {
            "application/json": {"schema": {"type": "object", "additionalProperties": True}}}}}}},
    },
    "components": {"schemas": {
        "Pet": PET,
        "Tag": {"type": "object", "properties": {"label": {"type": "string"}}},
    }},
}  # fmt: skip


def warnings(tmp_path: Path, **spec: str) -> list[tuple[int, str]]:
    (tmp_path / "pets.json").write_text(json.dumps(CONTRACT), encoding="utf-8")
    path = write_spec(tmp_path, "spec", front="swagger: pets.json", **spec)
    (result,) = load_specs([path], CheckOptions())
    assert not result.errors, result.errors
    return [(p.line, p.message) for p in result.warnings]


def test_an_extract_the_documented_reply_can_satisfy_is_quiet(tmp_path: Path) -> None:
    step = '    token: none\n    extract:\n      first: "$[0].tags[*].label"\n      pet: "$[0].id"'
    assert warnings(tmp_path, path="/pet", step=step) == []


def test_an_extract_of_a_field_the_reply_never_has_is_a_warning_with_its_line(
    tmp_path: Path,
) -> None:
    step = '    token: none\n    extract:\n      pet: "$[0].identifier"'
    found = warnings(tmp_path, path="/pet", step=step)
    assert len(found) == 1
    line, message = found[0]
    assert line == 17  # the line of the extract's variable in the spec file
    assert "extract pet ($[0].identifier) cannot match the reply GET /pet documents" in message
    assert "no field 'identifier' at $[0] (documented: id, name, tags)" in message


def test_indexing_an_object_is_a_warning(tmp_path: Path) -> None:
    step = '    token: none\n    extract:\n      pet: "$[0].id"'
    found = [m for _, m in warnings(tmp_path, path="/pet/7", step=step)]
    assert found == [
        "step main_request: extract pet ($[0].id) cannot match the reply GET /pet/{petId} "
        "documents: $ is an object, not an array"
    ]


def test_an_extract_from_a_reply_documented_without_a_body(tmp_path: Path) -> None:
    step = '    token: none\n    expect:\n      status: 201\n    extract:\n      pet: "$.id"'
    (found,) = warnings(tmp_path, method="POST", path="/pet", step=step)
    assert "extracts from a 201 reply that POST /pet documents without a body" in found[1]


def test_an_expected_status_the_operation_never_documents(tmp_path: Path) -> None:
    step = "    token: none\n    expect:\n      status: 202"
    (found,) = warnings(tmp_path, method="POST", path="/pet", step=step)
    assert "expected status 202 is not documented for POST /pet (documented: 201)" in found[1]
    # Of a tolerant set, one documented status is enough.
    assert (
        warnings(tmp_path, method="POST", path="/pet", step=step.replace("202", "[200, 201]")) == []
    )


def test_an_open_schema_and_unplain_paths_are_never_judged(tmp_path: Path) -> None:
    step = '    token: none\n    extract:\n      any: "$.whatever.deep"'
    assert warnings(tmp_path, path="/free", step=step) == []
    step = '    token: none\n    extract:\n      first: "$[?(@.id > 1)].identifier"'
    assert warnings(tmp_path, path="/pet", step=step) == []


def test_the_now_timestamp_hint_names_the_built_in_of_the_value_s_type(tmp_path: Path) -> None:
    whole = "    token: none\n    expect:\n      status: 201\n"
    whole += '    body:\n      pet_id: "{{now_timestamp}}"'
    (found,) = warnings(tmp_path, method="POST", path="/pet", step=whole)
    assert "use {{unique_int}}" in found[1]
    inside = whole.replace('pet_id: "{{', 'pet_uid: "p-{{')
    (found,) = warnings(tmp_path, method="POST", path="/pet", step=inside)
    assert "use {{unique_id}}" in found[1]


def test_unique_int_is_an_integer_that_does_not_repeat() -> None:
    value = compile_value("{{unique_int}}")
    context = RenderContext({})
    drawn = [value(context) for _ in range(1000)]
    assert all(isinstance(v, int) and 0 < v < 2**52 for v in drawn)
    assert len(set(drawn)) == len(drawn)
