"""Run-variable pins: values a spec fixes from run variables, as schemathesis parameters.

A spec that sends `business_uid: "{{business_id}}"` means "this field is the run's business";
the fuzzer keeps that field at the run variable's value and fuzzes everything else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from loadspec.contract.lookup import Contract, Operation
from loadspec.fuzz.document import parameters, resolve
from loadspec.language.model import Step
from loadspec.templating.render import TemplateSyntaxError, as_text, parse_template

__all__ = ["Pins", "pins_for"]

_ON_BEHALF_OF = "X-On-Behalf-Of"


@dataclass(frozen=True, slots=True)
class Pins:
    """What a spec fixes for one operation.

    Attributes:
        parameters: schemathesis parameter keys (`query.business_id`, `body.business_uid`,
            `path.uid`, `header.X-On-Behalf-Of`) -> value; only those the contract declares.
        headers: extra headers sent as they are (e.g. `X-On-Behalf-Of` the contract omits).
    """

    parameters: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.parameters or self.headers)


def pins_for(
    step: Step | None, contract: Contract, operation: Operation, variables: Mapping[str, Any]
) -> Pins:
    """The pins of `step` (a spec's main request) against the operation it calls."""
    if step is None:
        return Pins()
    declared = {
        (str(p.get("in")), str(p.get("name")).lower()): str(p.get("name"))
        for p in parameters(contract, operation)
    }
    pinned: dict[str, Any] = {}
    pinned.update(_named(step.params, "query", declared, variables))
    pinned.update(_named(step.headers, "header", declared, variables))
    pinned.update(_path(step.path or "", operation.path, variables))
    properties = _body_properties(contract, operation)
    pinned.update(_body(step.body, properties, variables))
    extra = _on_behalf_of(step, declared, variables, pinned)
    return Pins(pinned, extra)


def _render(value: Any, variables: Mapping[str, Any]) -> str | None:
    """The value when it is built only from run variables (and some text), else None."""
    if not isinstance(value, str):
        return None
    try:
        template = parse_template(value)
    except TemplateSyntaxError:
        return None
    if not template.names or not all(n in variables for n in template.names):
        return None
    return as_text(template.render(variables))


def _named(
    values: Mapping[str, Any],
    location: str,
    declared: Mapping[tuple[str, str], str],
    variables: Mapping[str, Any],
) -> Iterator[tuple[str, str]]:
    for name, value in values.items():
        rendered = _render(value, variables)
        contract_name = declared.get((location, str(name).lower()))
        if rendered is not None and contract_name is not None:
            yield f"{location}.{contract_name}", rendered


def _path(
    step_path: str, contract_path: str, variables: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    mine = step_path.split("?", 1)[0].strip("/").split("/")
    theirs = contract_path.strip("/").split("/")
    if len(mine) != len(theirs):
        return
    for segment, template in zip(mine, theirs, strict=True):
        rendered = _render(segment, variables)
        if rendered is not None and template.startswith("{") and template.endswith("}"):
            yield f"path.{template[1:-1]}", rendered


def _body(
    body: Any, properties: frozenset[str], variables: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[str, str]]:
    if not isinstance(body, Mapping):
        return
    for key, value in body.items():
        name = str(key)
        if "." in name or (not prefix and name not in properties):
            continue  # schemathesis' body keys are dotted paths; unknown fields are not fuzzed
        if isinstance(value, Mapping):
            yield from _body(value, properties, variables, f"{prefix}{name}.")
            continue
        rendered = _render(value, variables)
        if rendered is not None:
            yield f"body.{prefix}{name}", rendered


def _body_properties(contract: Contract, operation: Operation) -> frozenset[str]:
    """Top-level property names of the operation's JSON request body (Swagger 2 or OpenAPI 3)."""
    doc = contract.raw
    schema = None
    body = resolve(doc, operation.raw.get("requestBody"))
    if isinstance(body, Mapping) and isinstance(body.get("content"), Mapping):
        content = body["content"]
        media = next((m for m in content if "json" in str(m)), next(iter(content), None))
        schema = content[media].get("schema") if isinstance(content.get(media), Mapping) else None
    else:
        bodies = [p for p in parameters(contract, operation) if p.get("in") == "body"]
        schema = bodies[0].get("schema") if bodies else None
    return frozenset(_property_names(doc, schema))


def _property_names(doc: Any, schema: Any, depth: int = 0) -> Iterator[str]:
    schema = resolve(doc, schema)
    if not isinstance(schema, Mapping) or depth > 8:
        return
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        yield from map(str, properties)
    for member in schema.get("allOf", []) if isinstance(schema.get("allOf"), list) else []:
        yield from _property_names(doc, member, depth + 1)


def _on_behalf_of(
    step: Step,
    declared: Mapping[tuple[str, str], str],
    variables: Mapping[str, Any],
    pinned: dict[str, Any],
) -> dict[str, str]:
    rendered = _render(step.x_on_behalf_of, variables)
    if rendered is None:
        return {}
    name = declared.get(("header", _ON_BEHALF_OF.lower()))
    if name is not None:
        pinned.setdefault(f"header.{name}", rendered)
        return {}
    return {_ON_BEHALF_OF: rendered}
