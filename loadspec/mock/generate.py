"""Values from a contract's schemas: valid against them, deterministic for one random source.

`Generator.value(schema)` walks a schema of the bundled contract (local `$ref`s, `allOf`,
`oneOf`/`anyOf`, `nullable`, formats and bounds) and gives a value for it: the schema's own
`example` where it has one (unless asked for `dynamic` values), else one made from its type.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from typing import Any

from loadspec.contract.refs import resolve

__all__ = ["Generator", "flatten", "properties"]

MAX_DEPTH = 8
_NONE = object()  # no value of its own (None is a value)
_DATE_TIME = "2026-01-01T12:00:00Z"
_FORMATS: Mapping[str, str] = {
    "date-time": _DATE_TIME,
    "date": "2026-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "bG9hZHNwZWM=",
    "password": "secret-password",
    "phone": "+15555550100",
}


def flatten(doc: Any, schema: Any) -> dict[str, Any]:
    """`schema` with its `$ref` followed and its `allOf` parts merged into one mapping."""
    node = resolve(doc, schema)
    if not isinstance(node, Mapping):
        return {}
    parts = node.get("allOf")
    if not isinstance(parts, list):
        return dict(node)
    merged: dict[str, Any] = {k: v for k, v in node.items() if k != "allOf"}
    props: dict[str, Any] = dict(merged.get("properties") or {})
    required: list[str] = list(merged.get("required") or [])
    for part in parts:
        flat = flatten(doc, part)
        props.update(flat.get("properties") or {})
        required += [r for r in flat.get("required") or [] if r not in required]
        merged.update({k: v for k, v in flat.items() if k not in ("properties", "required")})
    if props:
        merged["properties"] = props
    if required:
        merged["required"] = required
    return merged


def properties(doc: Any, schema: Any) -> Mapping[str, Any]:
    """The properties an object schema declares (through `$ref`s and `allOf`)."""
    props = flatten(doc, schema).get("properties")
    return props if isinstance(props, Mapping) else {}


class Generator:
    """Makes values for the schemas of one contract document."""

    def __init__(self, doc: Any, rng: random.Random) -> None:
        self._doc = doc
        self._rng = rng

    def value(self, schema: Any, dynamic: bool = False) -> Any:
        """A value valid against `schema` (examples first unless `dynamic`)."""
        return self._value(schema, dynamic, 0, frozenset())

    def _value(self, schema: Any, dynamic: bool, depth: int, seen: frozenset[str]) -> Any:
        ref = schema.get("$ref") if isinstance(schema, Mapping) else None
        if isinstance(ref, str):
            if ref in seen or depth > MAX_DEPTH:
                return None
            seen = seen | {ref}
        node = flatten(self._doc, schema)
        fixed = self._fixed(node, dynamic)
        if fixed is not _NONE:
            return fixed
        for key in ("oneOf", "anyOf"):
            options = node.get(key)
            if isinstance(options, list) and options:
                return self._value(_first_not_null(self._doc, options), dynamic, depth + 1, seen)
        kind = _type(node)
        if kind == "object":
            return self._object(node, dynamic, depth, seen)
        if kind == "array":
            return self._array(node, dynamic, depth, seen)
        return self._scalar(node, kind, dynamic)

    def _fixed(self, node: Mapping[str, Any], dynamic: bool) -> Any:
        """The value a schema names itself (example, const, enum), else `_NONE`."""
        if not dynamic and "example" in node:
            example = node["example"]
            if example is not None or _nullable(self._doc, node):
                return example
        if "const" in node:
            return node["const"]
        enum = node.get("enum")
        if isinstance(enum, list) and enum:
            options = [e for e in enum if e is not None] or enum
            return self._rng.choice(options) if dynamic else options[0]
        return _NONE

    def _array(
        self, node: Mapping[str, Any], dynamic: bool, depth: int, seen: frozenset[str]
    ) -> list[Any]:
        if depth > MAX_DEPTH:
            return []
        count = max(int(node.get("minItems") or 0), 1)
        count = min(count, int(node.get("maxItems", count)))
        items = node.get("items", {})
        return [self._value(items, dynamic, depth + 1, seen) for _ in range(count)]

    def _scalar(self, node: Mapping[str, Any], kind: str, dynamic: bool) -> Any:
        if kind == "integer":
            return int(self._number(node, dynamic, integer=True))
        if kind == "number":
            return self._number(node, dynamic, integer=False)
        if kind == "boolean":
            return self._rng.random() < 0.5 if dynamic else True
        return None if kind == "null" else self._string(node, dynamic)

    def _object(
        self, node: Mapping[str, Any], dynamic: bool, depth: int, seen: frozenset[str]
    ) -> dict[str, Any]:
        props = node.get("properties")
        if not isinstance(props, Mapping):
            return {}
        required = set(node.get("required") or ())
        out: dict[str, Any] = {}
        for name, sub in props.items():
            if depth >= MAX_DEPTH and name not in required:
                continue
            if isinstance(sub, Mapping) and sub.get("writeOnly") is True:
                continue  # never in an answer
            value = self._value(sub, dynamic, depth + 1, seen)
            if value is None and name not in required and not _nullable(self._doc, sub):
                continue
            out[str(name)] = value
        return out

    def _number(self, node: Mapping[str, Any], dynamic: bool, integer: bool) -> float:
        low, high = node.get("minimum"), node.get("maximum")
        low = float(low) if isinstance(low, int | float) else None
        high = float(high) if isinstance(high, int | float) else None
        if low is not None and node.get("exclusiveMinimum") is True:
            low += 1 if integer else 0.5
        if high is not None and node.get("exclusiveMaximum") is True:
            high -= 1 if integer else 0.5
        for key, bound in (("exclusiveMinimum", 1), ("exclusiveMaximum", -1)):
            value = node.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                if bound > 0:
                    low = value + (1 if integer else 0.5)
                else:
                    high = value - (1 if integer else 0.5)
        lo = low if low is not None else (min(1.0, high) if high is not None else 1.0)
        hi = high if high is not None else lo + 100
        chosen = self._rng.uniform(lo, hi) if dynamic else lo
        step = node.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            chosen = step * max(1, -(-lo // step))
        return float(round(chosen)) if integer else chosen

    def _string(self, node: Mapping[str, Any], dynamic: bool) -> str:
        fmt = node.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        text = _FORMATS.get(str(fmt), "")
        if not text:
            text = f"{self._rng.getrandbits(40):010x}" if dynamic else "string"
        low = int(node.get("minLength") or 0)
        high = node.get("maxLength")
        if len(text) < low:
            text = text + "x" * (low - len(text))
        if isinstance(high, int) and len(text) > high:
            text = text[:high]
        return text

    def uid(self, schema: Any, number: int) -> Any:
        """A fresh identifier of `schema`'s type: an integer, a UUID, or 20 hex digits."""
        node = flatten(self._doc, schema)
        kind = _type(node)
        if kind in ("integer", "number"):
            return number
        if node.get("format") == "uuid":
            return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        return f"{self._rng.getrandbits(80):020x}"


def _type(node: Mapping[str, Any]) -> str:
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in node or "additionalProperties" in node:
        return "object"
    if "items" in node:
        return "array"
    return "object"


def _nullable(doc: Any, schema: Any) -> bool:
    node = flatten(doc, schema)
    kind = node.get("type")
    return node.get("nullable") is True or (isinstance(kind, list) and "null" in kind)


def _first_not_null(doc: Any, options: list[Any]) -> Any:
    for option in options:
        node = flatten(doc, option)
        if node.get("type") != "null":
            return option
    return options[0]
