"""Answer bodies: the contract's examples first, else values generated from the schema.

A reply's static body (its example, else a generated value) is made once per operation and
status, from a random source seeded by `--seed` and the operation, so it does not depend on
the order requests come in; each use starts from a copy of it. `Prefer: dynamic=true` asks for a
freshly generated body instead, `Prefer: example=NAME` for a named example.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson

from loadspec.mock.checks import Problem
from loadspec.mock.generate import Generator
from loadspec.mock.operations import MockOperation, Reply
from loadspec.stub.gateway.http import Answer, dumps

_DRAWS = 4

__all__ = [
    "Answers",
    "Prefer",
    "describe",
    "error_answer",
    "get_at",
    "members",
    "parse_prefer",
    "put_at",
    "valid",
]


@dataclass(frozen=True, slots=True)
class Prefer:
    """Prism's `Prefer` request header: `code=404, example=cat, dynamic=true`.

    Attributes:
        code: the documented status wanted, or None.
        example: the named example wanted, or None.
        dynamic: generate the body afresh, examples ignored.
    """

    code: int | None = None
    example: str | None = None
    dynamic: bool = False


NO_PREFERENCE = Prefer()


def parse_prefer(value: bytes | None) -> Prefer:
    """The preferences in a `Prefer` header (unknown ones ignored, as RFC 7240 says)."""
    if not value:
        return NO_PREFERENCE
    found: dict[str, str] = {}
    for part in value.decode("latin-1").replace(";", ",").split(","):
        name, _, text = part.partition("=")
        found[name.strip().lower()] = text.strip().strip('"')
    code = found.get("code", "")
    return Prefer(
        int(code) if code.isdigit() else None,
        found.get("example") or None,
        found.get("dynamic", "").lower() == "true",
    )


def error_answer(status: int, problems: list[Problem], headers: Any = ()) -> Answer:
    """The mock's error body: `{status, error, errors: [{rule, field, message}]}`."""
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    payload = {"status": status, "error": phrase, "errors": [p.as_dict() for p in problems]}
    return Answer(status, dumps(payload), tuple(headers), payload)


def get_at(payload: Any, path: tuple[str, ...]) -> Any:
    """The member at `path` inside `payload`, or None."""
    node = payload
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def put_at(payload: Any, path: tuple[str, ...], value: Any) -> Any:
    """`payload` with the member at `path` set to `value` (made where missing)."""
    if not path:
        return value
    node = payload
    for key in path[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = node[key] = {}
        node = child
    node[path[-1]] = value
    return payload


class Answers:
    """Bodies for every operation's replies; static ones made once."""

    def __init__(self, seed: int | None, rng: random.Random) -> None:
        self._seed = seed
        self._rng = rng
        self._static: dict[tuple[int, int, str], bytes] = {}
        self._generators: dict[int, Generator] = {}

    def static(self, operation: MockOperation, reply: Reply, example: str | None = None) -> bytes:
        """The reply's static body, encoded (b"" for a reply without a body)."""
        key = (id(operation), reply.status, example or "")
        body = self._static.get(key)
        if body is None:
            body = self._static[key] = self._make(operation, reply, example)
        return body

    def payload(self, operation: MockOperation, reply: Reply, prefer: Prefer) -> Any:
        """A fresh copy of the reply's body to fill in (None without a body)."""
        if prefer.dynamic and reply.schema is not None:
            return self._generator(operation, self._rng).value(reply.schema, dynamic=True)
        body = self.static(operation, reply, prefer.example)
        return orjson.loads(body) if body else None

    def _make(self, operation: MockOperation, reply: Reply, example: str | None) -> bytes:
        examples = reply.examples
        if example is not None and example in examples:
            return dumps(examples[example])  # asked for by name: answered as documented
        for value in examples.values():
            if _valid(reply, value):
                return dumps(value)
        if reply.schema is None or reply.status == 204:
            return b"" if not examples else dumps(next(iter(examples.values())))
        rng = random.Random(f"{self._seed}:{operation.method} {operation.path}:{reply.status}")
        generator = self._generator(operation, rng)
        first = generator.value(reply.schema)
        # A schema's own `example`s may break it, or fit several `oneOf` branches: then values
        # made from the types alone, a few draws, before giving up on validity.
        for value in (first, *(generator.value(reply.schema, True) for _ in range(_DRAWS))):
            if _valid(reply, value):
                return dumps(value)
        return dumps(first)

    def _generator(self, operation: MockOperation, rng: random.Random) -> Generator:
        return Generator(operation.doc, rng)

    def value(self, operation: MockOperation, schema: Any) -> Any:
        """A value of `schema` (a callback's body): examples first."""
        generator = self._generators.get(id(operation.doc))
        if generator is None:
            generator = self._generators[id(operation.doc)] = Generator(operation.doc, self._rng)
        return generator.value(schema)

    def new_id(self, template: Any, number: int) -> Any:
        """A fresh id like `template`: a number, a UUID, or 20 hex digits."""
        if isinstance(template, int) and not isinstance(template, bool):
            return number
        if isinstance(template, str) and len(template) == 36 and template.count("-") == 4:
            bits = f"{self._rng.getrandbits(128):032x}"
            return f"{bits[:8]}-{bits[8:12]}-4{bits[13:16]}-a{bits[17:20]}-{bits[20:]}"
        return f"{self._rng.getrandbits(80):020x}"


_TEXTS = frozenset({"message", "error", "detail", "description", "title", "error_description"})
_PLACES = frozenset({"field", "path", "pointer", "param", "parameter", "property", "location"})
_RULES = frozenset({"rule", "reason", "type", "validator"})


def describe(payload: Any, problems: list[Problem]) -> Any:
    """A documented error body with the problems written into its own members: its text
    members get their sentence, an `errors` array one item per problem, `success` false."""
    if not isinstance(payload, dict):
        return payload
    text = "; ".join(p.message for p in problems)
    for key, value in payload.items():
        if key in _TEXTS and isinstance(value, str):
            payload[key] = text
        elif key == "success" and isinstance(value, bool):
            payload[key] = False
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            payload[key] = [_item(value[0], p) for p in problems]
        elif isinstance(value, dict):
            describe(value, problems)
    return payload


def _item(template: dict[str, Any], problem: Problem) -> dict[str, Any]:
    item = dict(template)
    for key, value in template.items():
        if not isinstance(value, str):
            continue
        if key in _TEXTS:
            item[key] = problem.message
        elif key in _PLACES:
            item[key] = problem.field
        elif key in _RULES:
            item[key] = problem.rule
    return item


def valid(reply: Reply, value: Any) -> bool:
    """Whether `value` holds to the reply's schema (True when it has none)."""
    return _valid(reply, value)


def _valid(reply: Reply, value: Any) -> bool:
    """Whether an example holds to its reply's schema (examples that break it are skipped)."""
    check = reply.check
    if check is None:
        return True
    if check.fast is not None:
        return bool(check.fast.is_valid(value))
    return check.first_error(value) is None


def members(value: Any, fields: frozenset[str]) -> dict[str, Any]:
    """The members of `value` a record keeps: those its schema declares (all when none is)."""
    if not isinstance(value, Mapping):
        return {}
    if not fields:
        return dict(value)
    return {k: v for k, v in value.items() if k in fields}
