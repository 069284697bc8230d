"""Is a request what its operation documents? Credentials, parameters, the body.

Each check gives the problems it found as `Problem`s (the rule broken, the field, a sentence),
which the mock answers in its error body; none means the request is served.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from loadspec.mock.operations import MockOperation, Param
from loadspec.stub.gateway.http import Request

__all__ = ["Problem", "check_body", "check_params", "has_credentials"]

_MAX_PROBLEMS = 10
_FORMAT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_LONG_NUMBER = re.compile(rb"\d{19}")  # only such a body can hold an integer past 64 bits
_REQUIRED = re.compile(r"'([^']+)' is a required property")


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule.

    Attributes:
        rule: the keyword broken (`required`, `type`, `enum`, `json`, `security`, ...).
        field: where: `$.name` in the body, `query.status`, `path.petId`, `header.X`.
        message: what is wrong.
    """

    rule: str
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "field": self.field, "message": self.message}


def has_credentials(
    operation: MockOperation, request: Request, accepted: frozenset[str] = frozenset()
) -> bool:
    """Whether the request carries every credential of one of the operation's alternatives
    (each one of `accepted`, when any are given)."""
    if not operation.security:
        return True
    return any(
        all(_good(_sent(scheme.where, scheme.name, request), accepted) for scheme in alternative)
        for alternative in operation.security
    )


def _good(value: str, accepted: frozenset[str]) -> bool:
    if not value:
        return False
    # `Bearer TOKEN` (or any scheme word before it): the token is what is accepted.
    return not accepted or value in accepted or value.rpartition(" ")[2] in accepted


def _sent(where: str, name: str, request: Request) -> str:
    if where == "header":
        return request.headers.get(name.encode("latin-1"), b"").decode("latin-1").strip()
    if where == "query":
        return (request.query.get(name) or [""])[0]
    cookies = request.headers.get(b"cookie", b"").decode("latin-1")
    found = (part.strip() for part in cookies.split(";"))
    return next((part[len(name) + 1 :] for part in found if part.startswith(name + "=")), "")


def check_params(operation: MockOperation, request: Request) -> list[Problem]:
    """Required parameters present; each value of the documented type, enum and bounds."""
    problems: list[Problem] = []
    for param in operation.params:
        value = _value(param, request)
        field = f"{param.where}.{param.name}"
        if value is None:
            if param.required:
                problems.append(Problem("required", field, f"{field} is required"))
            continue
        problem = _check_value(param, value, field)
        if problem is not None:
            problems.append(problem)
    return problems


def _value(param: Param, request: Request) -> str | None:
    if param.where == "path":
        return request.params.get(param.name)
    if param.where == "query":
        values = request.query.get(param.name)
        return values[0] if values else None
    if param.where == "header":
        raw = request.headers.get(param.name.lower().encode("latin-1"))
        return None if raw is None else raw.decode("latin-1")
    return None


def _check_value(param: Param, text: str, field: str) -> Problem | None:
    schema = param.schema
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    value = _typed(kind, text)
    if value is None:
        return Problem("type", field, f"{field} must be {kind}, got {text[:60]!r}")
    enum = schema.get("enum")
    enum = enum if isinstance(enum, list) and kind != "array" else None
    if enum is not None and value not in enum and text not in map(str, enum):
        allowed = ", ".join(map(str, enum[:10]))
        return Problem("enum", field, f"{field} {text[:60]!r} is not one of: {allowed}")
    if isinstance(value, int | float):
        return _range(schema, value, field)
    return _text(schema, text, field)


def _typed(kind: Any, text: str) -> Any:
    """`text` as the parameter's type (None: it is not of that type)."""
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
    except ValueError:
        return None
    if kind == "boolean" and text.lower() not in ("true", "false", "1", "0"):
        return None
    return text


def _range(schema: Mapping[str, Any], value: float, field: str) -> Problem | None:
    bounds = _FORMAT_BOUNDS.get(str(schema.get("format")))
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        return Problem("format", field, f"{field} {value} is outside {schema['format']}")
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and value < low:
        return Problem("minimum", field, f"{field} {value} is below the minimum {low}")
    if isinstance(high, int | float) and value > high:
        return Problem("maximum", field, f"{field} {value} is above the maximum {high}")
    return None


def _text(schema: Mapping[str, Any], value: str, field: str) -> Problem | None:
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and len(value) < low:
        return Problem("minLength", field, f"{field} is shorter than {low} characters")
    if isinstance(high, int) and len(value) > high:
        return Problem("maxLength", field, f"{field} is longer than {high} characters")
    return _pattern(schema, value, field)


def _pattern(schema: Mapping[str, Any], value: str, field: str) -> Problem | None:
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and _search(pattern, value) is False:
        return Problem("pattern", field, f"{field} {value[:60]!r} does not match {pattern}")
    return None


def _search(pattern: str, value: str) -> bool | None:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return None  # a pattern Python cannot read is not the request's fault


def check_body(operation: MockOperation, body: bytes) -> tuple[Any, list[Problem]]:
    """The parsed body (None when none was sent) and what breaks its schema."""
    if not body.strip():
        missing = [Problem("required", "$", "a request body is required")]
        return None, missing if operation.body_required else []
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if operation.body is None:
            return None, []  # not documented as JSON: not ours to judge
        return None, [Problem("json", "$", f"the request body is not valid JSON: {exc}")]
    if _LONG_NUMBER.search(body) and (huge := _past_64_bits(value, "$")):
        return value, [Problem("format", huge, f"{huge}: an integer past 64 bits")]
    compiled = operation.body
    if compiled is None or (compiled.fast is not None and compiled.fast.is_valid(value)):
        return value, []
    errors = compiled.errors(value, _MAX_PROBLEMS)
    return value, [_problem(error) for error in errors]


def _past_64_bits(value: Any, where: str) -> str | None:
    """Where `value` holds an integer no int64 field can (no API's JSON holds one)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return where if not -(2**63) <= value < 2**63 else None
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, item in items:
        found = _past_64_bits(item, f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}")
        if found is not None:
            return found
    return None


def _problem(error: Any) -> Problem:
    where = "$" + "".join(
        f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
    )
    rule = str(error.validator)
    message = str(error.message)
    if rule == "required" and (found := _REQUIRED.search(message)):
        where = f"{where}.{found.group(1)}"
    if len(message) > 200:
        message = message[:197] + "..."
    return Problem(rule, where, f"{where}: {message}")
