"""Fields a response has that its schema never names: documentation drift, not a break.

A schema that does not forbid extra properties accepts them, so a validator never reports
them; the authors' tool warns about them ("undocumented fields"), and so does `loadspec
check`. The walk follows local `$ref`s, merges `allOf` parts and takes the union of
`anyOf`/`oneOf` alternatives (a field any alternative names is documented). An object schema
that names no properties, or allows more with a schema or `true`, documents whatever it gets.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from loadspec.contract.refs import resolve

__all__ = ["schema_parts", "undocumented_fields"]

_MAX_DEPTH = 64


def undocumented_fields(doc: Mapping[str, Any], schema: Any, instance: Any) -> list[str]:
    """JSON paths (`$.data.channel.colour`) of the fields of `instance` its schema never names.

    `doc` is the document the schema's `$ref`s point into.
    """
    return list(_walk(doc, schema, instance, "$", 0))


def _walk(
    doc: Mapping[str, Any], schema: Any, instance: Any, where: str, depth: int
) -> Iterator[str]:
    if depth > _MAX_DEPTH:
        return
    parts = schema_parts(doc, schema)
    if isinstance(instance, Mapping):
        yield from _object(doc, parts, instance, where, depth)
    elif isinstance(instance, list):
        items = [resolve(doc, p.get("items")) for p in parts if isinstance(p.get("items"), Mapping)]
        if items:
            for index, item in enumerate(instance):
                for schema_item in items[:1]:
                    yield from _walk(doc, schema_item, item, f"{where}[{index}]", depth + 1)


def _object(
    doc: Mapping[str, Any],
    parts: list[Mapping[str, Any]],
    instance: Mapping[str, Any],
    where: str,
    depth: int,
) -> Iterator[str]:
    named: dict[str, list[Any]] = {}
    open_ended = not any("properties" in p for p in parts)
    for part in parts:
        extra = part.get("additionalProperties", part.get("patternProperties"))
        if extra is True or (isinstance(extra, Mapping) and extra):
            open_ended = True
        for key, value in (part.get("properties") or {}).items():
            named.setdefault(str(key), []).append(value)
    for key, value in instance.items():
        place = f"{where}.{key}" if str(key).isidentifier() else f"{where}[{json.dumps(str(key))}]"
        if key in named:
            for schema in named[key][:1]:
                yield from _walk(doc, schema, value, place, depth + 1)
        elif not open_ended:
            yield place


def schema_parts(doc: Mapping[str, Any], schema: Any) -> list[Mapping[str, Any]]:
    """The schema and every schema merged into it (`allOf`, and each `anyOf`/`oneOf` branch)."""
    found: list[Mapping[str, Any]] = []
    stack, seen = [schema], 0
    while stack and seen < _MAX_DEPTH:
        node = resolve(doc, stack.pop())
        seen += 1
        if not isinstance(node, Mapping):
            continue
        found.append(node)
        for key in ("allOf", "anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list):
                stack.extend(branches)
    return found
