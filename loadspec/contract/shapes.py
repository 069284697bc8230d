"""Whether a simple JSONPath can match anything in a body valid against a schema.

    why_never(doc, schema, "$[0].identifier")   # "no field 'identifier' at $[0] (...)"

`validate` warns about an `extract` that no documented response can satisfy: the path
names a field its object never documents, or indexes into an object. Only plain paths are
judged (`$`, `.name`, `['name']`, `[0]`, `[*]`); anything else (filters, `..`), and any
schema that allows more than it names, gives None: not provably wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from loadspec.contract.drift import schema_parts

__all__ = ["why_never"]

_TOKEN = re.compile(
    r"\.(?P<name>[A-Za-z_$][\w$-]*)|\[(?P<quoted>'[^']*'|\"[^\"]*\")\]|\[(?P<index>\d+|\*)\]"
)
_SHOWN_FIELDS = 8


def why_never(doc: Mapping[str, Any], schema: Any, path: str) -> str | None:
    """Why `path` matches nothing in any body valid against `schema`; None when it may."""
    tokens = _tokens(path)
    if tokens is None:
        return None
    current, where = [schema], "$"
    for kind, value in tokens:
        parts = [p for node in current for p in schema_parts(doc, node)]
        if not parts:
            return None
        if kind == "name":
            found, why = _field(parts, value, where)
        else:
            found, why = _items(parts, where)
        if why is not None:
            return why
        if found is None:
            return None  # open: anything may be there
        current = found
        where += f".{value}" if kind == "name" else f"[{value}]"
    return None


def _tokens(path: str) -> list[tuple[str, str]] | None:
    text = path.strip()
    if not text.startswith("$"):
        return None
    tokens: list[tuple[str, str]] = []
    at = 1
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            return None  # a filter, a recursive descent, a slice: not judged
        if match["name"] is not None:
            tokens.append(("name", match["name"]))
        elif match["quoted"] is not None:
            tokens.append(("name", match["quoted"][1:-1]))
        else:
            tokens.append(("index", match["index"]))
        at = match.end()
    return tokens


def _field(
    parts: list[Mapping[str, Any]], name: str, where: str
) -> tuple[list[Any] | None, str | None]:
    """The schemas of field `name` (None: open, may be anything), or why it cannot be."""
    found = [p["properties"][name] for p in parts if name in (p.get("properties") or {})]
    if found:
        return found, None
    if any(_open(p) for p in parts) or not any("properties" in p for p in parts):
        if _only(parts, "array"):
            return None, f"{where} is an array: a field cannot be read from it"
        return None, None
    named = sorted({str(k) for p in parts for k in p.get("properties") or {}})
    shown = ", ".join(named[:_SHOWN_FIELDS]) + (", ..." if len(named) > _SHOWN_FIELDS else "")
    return None, f"no field {name!r} at {where} (documented: {shown})"


def _items(parts: list[Mapping[str, Any]], where: str) -> tuple[list[Any] | None, str | None]:
    items = [p["items"] for p in parts if isinstance(p.get("items"), Mapping)]
    if items:
        return items, None
    if _only(parts, "object") or (
        any("properties" in p for p in parts) and not any(_typed(p, "array") for p in parts)
    ):
        return None, f"{where} is an object, not an array"
    return None, None


def _open(part: Mapping[str, Any]) -> bool:
    extra = part.get("additionalProperties", part.get("patternProperties"))
    return extra is True or (isinstance(extra, Mapping) and bool(extra))


def _typed(part: Mapping[str, Any], kind: str) -> bool:
    declared = part.get("type")
    return declared == kind or (isinstance(declared, list) and kind in declared)


def _only(parts: list[Mapping[str, Any]], kind: str) -> bool:
    """Every part that declares a type declares `kind` (and at least one does)."""
    typed = [p for p in parts if "type" in p]
    return bool(typed) and all(_typed(p, kind) for p in typed)
