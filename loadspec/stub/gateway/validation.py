"""A small, fast validator for the JSON Schema subset the stub's request schemas use.

Supported keywords: `type` (object, string, integer, boolean, array), `properties`, `required`,
`additionalProperties` (bool or schema), `items`, `enum`, `minLength`, `maxLength`, `pattern`,
`minimum`, `maximum`. Anything else in a schema is a bug caught at compile time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Issue", "Validator", "compile_schema", "parse_query_value"]

_KNOWN = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "description",
    "example",
    "default",
}
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with a request value.

    Attributes:
        code: the contract's error code (`missing_field`, `invalid`, `too_long`).
        message: what was found and what was expected, with the field's location.
    """

    code: str
    message: str


Validator = Callable[[Any, str, list[Issue]], None]


def _is_type(value: Any, kind: str) -> bool:
    if kind == "object":
        return isinstance(value, dict)
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list)
    raise ValueError(f"unsupported schema type {kind!r}")


def compile_schema(schema: dict[str, Any]) -> Validator:
    """A function that appends to `issues` every way `value` breaks `schema`."""
    unknown = set(schema) - _KNOWN
    if unknown:
        raise ValueError(f"unsupported schema keywords {sorted(unknown)}")
    kind = schema.get("type")
    checks = [c for c in (_string_checks(schema), _number_checks(schema), _enum_check(schema)) if c]
    nested = _object_check(schema) if kind == "object" else _array_check(schema)

    def validate(value: Any, where: str, issues: list[Issue]) -> None:
        if kind is not None and not _is_type(value, kind):
            issues.append(Issue("invalid", f"{where}: expected {kind}, got {_json_type(value)}"))
            return
        for check in checks:
            check(value, where, issues)
        if nested is not None:
            nested(value, where, issues)

    return validate


def _string_checks(schema: dict[str, Any]) -> Validator | None:
    low, high = schema.get("minLength"), schema.get("maxLength")
    pattern = _ecma_pattern(schema["pattern"]) if "pattern" in schema else None
    if low is None and high is None and pattern is None:
        return None

    def check(value: Any, where: str, issues: list[Issue]) -> None:
        if high is not None and len(value) > high:
            issues.append(Issue("too_long", f"{where}: longer than {high} characters"))
        elif low is not None and len(value) < low:
            code = "missing_field" if not value else "invalid"
            issues.append(Issue(code, f"{where}: shorter than {low} character(s)"))
        elif pattern is not None and not pattern.search(value):
            issues.append(Issue("invalid", f"{where}: does not match {pattern.pattern!r}"))

    return check


def _ecma_pattern(pattern: str) -> re.Pattern[str]:
    # An ECMA `$` never matches before a final newline; Python's does unless written `\Z`.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)


def _number_checks(schema: dict[str, Any]) -> Validator | None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is None and high is None:
        return None

    def check(value: Any, where: str, issues: list[Issue]) -> None:
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            issues.append(Issue("invalid", f"{where}: expected {bounds}, got {value}"))

    return check


def _enum_check(schema: dict[str, Any]) -> Validator | None:
    if "enum" not in schema:
        return None
    allowed = schema["enum"]
    listed = ", ".join(map(str, allowed))

    def check(value: Any, where: str, issues: list[Issue]) -> None:
        # `True == 1` in Python: compare types too, so `true` is no member of `[1]`.
        if not any(value == a and type(value) is type(a) for a in allowed):
            issues.append(Issue("invalid", f"{where}: {value!r} is not one of {listed}"))

    return check


def _object_check(schema: dict[str, Any]) -> Validator:
    properties = {k: compile_schema(v) for k, v in schema.get("properties", {}).items()}
    required = tuple(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    extra_check = compile_schema(extra) if isinstance(extra, dict) else None

    def check(value: Any, where: str, issues: list[Issue]) -> None:
        for name in required:
            if name not in value:
                issues.append(Issue("missing_field", f"{where}.{name}: required field is missing"))
        for name, item in value.items():
            validate = properties.get(name, extra_check)
            if validate is not None:
                validate(item, f"{where}.{name}", issues)
            elif extra is False:
                issues.append(Issue("invalid", f"{where}.{name}: unknown field"))

    return check


def _array_check(schema: dict[str, Any]) -> Validator | None:
    if "items" not in schema:
        return None
    items = compile_schema(schema["items"])

    def check(value: Any, where: str, issues: list[Issue]) -> None:
        for index, item in enumerate(value):
            items(item, f"{where}[{index}]", issues)

    return check


def parse_query_value(raw: str, schema: dict[str, Any]) -> Any:
    """A query string value as its schema's type; `None` when it cannot be one."""
    if schema.get("type") == "integer":
        return int(raw) if _INTEGER.fullmatch(raw) else None
    return raw


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    names: dict[type, str] = {dict: "object", list: "array", str: "string"}
    return names.get(type(value), type(value).__name__)
