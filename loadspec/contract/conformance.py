"""Response validation against an operation's contract, cheap enough to run under load.

    checker = ResponseChecker.for_operation(contract.find_operation("POST", "/channels"))
    problem = checker.check(201, "application/json", body)   # None, or a short message

Imports only the standard library, jsonschema (and jsonschema-rs, when installed) and
`loadspec.contract.lookup`: never schemathesis, requests or urllib3, which break gevent's
monkey-patching when imported before locust. Valid responses, the common case, are confirmed by
jsonschema-rs (compiled, ~200x faster); jsonschema explains the invalid ones, so messages are the
same with or without it. Neither ever fetches a remote `$ref`.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from jsonschema.exceptions import UnknownType, ValidationError
from referencing.exceptions import Unresolvable

from loadspec.contract.bundle import RefBases
from loadspec.contract.drift import undocumented_fields
from loadspec.contract.lookup import Contract, Operation, load_contract
from loadspec.contract.refs import at_pointer, follow, outside_ref
from loadspec.contract.validators import CompiledSchema, SchemaDocument
from loadspec.contract.validators import clear_cache as clear_schema_cache
from loadspec.errors import ConfigError

__all__ = [
    "ConformanceError",
    "Finding",
    "ResponseChecker",
    "Sampler",
    "Violation",
    "clear_cache",
]

_VALUE_CHARS = 60
_MESSAGE_CHARS = 240
_SAMPLER_SCALE = 1_000_000
_NO_BODY_STATUSES = frozenset({204, 205, 304})
_READ = 4 * _MESSAGE_CHARS  # of a message naming a reply's values, what is masked


class Redact(Protocol):
    """Masks secrets in a text (`loadspec.inputs.masking.Masker`); `cut`: cut short at its end."""

    def __call__(self, text: str, *, cut: bool = False) -> str: ...


def _as_is(text: str, *, cut: bool = False) -> str:
    return text


class ConformanceError(ConfigError):
    """A sample rate, or another conformance setting, that cannot be used."""


def _check_rate(rate: float) -> None:
    if not (math.isfinite(rate) and 0.0 <= rate <= 1.0):
        raise ConformanceError(f"sample rate {rate!r} must be between 0 and 1")


class Sampler:
    """Picks which responses to check: exactly `rate` of them, evenly spread, no randomness.

    The first response is always picked when `rate` > 0, so short runs still check something.
    """

    __slots__ = ("_credit", "_step", "rate")

    def __init__(self, rate: float) -> None:
        _check_rate(rate)
        self.rate = rate
        # Whole numbers, not floats: 0.1 added ten times must come to exactly one pick.
        self._step = max(1, round(rate * _SAMPLER_SCALE)) if rate > 0 else 0
        self._credit = _SAMPLER_SCALE - self._step if self._step else 0

    def sample(self) -> bool:
        """Whether to check the next response."""
        self._credit += self._step
        if self._credit >= _SAMPLER_SCALE:
            self._credit -= _SAMPLER_SCALE
            return True
        return False

    def __repr__(self) -> str:
        return f"Sampler(rate={self.rate!r})"


@dataclass(frozen=True, slots=True)
class Violation:
    """How one response breaks its operation's contract.

    Attributes:
        status: the response's status code.
        where: a `$.data.channel.status` style path into the body ("" when not about the body).
        problem: what is wrong, with the failing value truncated.
        rule: the same without the value: stable across responses, for grouping failures.
    """

    status: int
    where: str
    problem: str
    rule: str

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """`contract: 201 body at $.success: 42 is not one of [True]`."""
        return _compose(self.status, self.where, self.problem)

    @property
    def grouping(self) -> str:
        """The message without the failing value: one failure row per rule, not per value."""
        return _compose(self.status, self.where, self.rule)


def _compose(status: int, where: str, text: str) -> str:
    place = f" body at {where}" if where else ""
    return f"contract: {status}{place}: {text}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One way a response departs from its contract, as `loadspec check` reports it.

    Attributes:
        code: the reason code (`MISSING_REQUIRED_FIELD`, `UNDOCUMENTED_FIELD`...).
        where: a `$.data.uid` path into the body ("" when not about the body).
        message: what is wrong, values masked and cut short.
        drift: documentation drift (an undocumented field or status): a warning, not a break.
    """

    code: str
    where: str
    message: str
    drift: bool = False


_CODES = {
    "required": "MISSING_REQUIRED_FIELD",
    "type": "TYPE_MISMATCH",
    "enum": "INVALID_VALUE",
    "const": "INVALID_VALUE",
    "format": "INVALID_VALUE",
    "pattern": "INVALID_VALUE",
    "additionalProperties": "UNEXPECTED_FIELD",
}
_MAX_FINDINGS = 25


@dataclass(frozen=True, slots=True)
class _Media:
    """One documented media type of one documented response."""

    media_type: str
    pointer: str | None  # JSON pointer of its schema in the contract, None when it has none
    outside: str | None = None  # a `$ref` its schema needs that the contract does not hold


class ResponseChecker:
    """Checks one operation's responses; validators are compiled once per status and media type."""

    def __init__(self, operation: Operation, contract: Contract) -> None:
        self.operation = operation
        self._document = SchemaDocument.of(contract)
        pointer = _operation_pointer(contract, operation)
        self._responses = _responses(self._document.raw, operation.raw, pointer)
        self._example_only = _example_only(self._document.raw, operation.raw, pointer)
        self._unresolved = contract.unresolved
        self._validators: dict[str, CompiledSchema] = {}
        self._notes: dict[str, None] = {}

    @classmethod
    def for_operation(cls, operation: Operation, bases: RefBases | None = None) -> ResponseChecker:
        """The (cached) checker of `operation`; its contract is read through `load_contract`."""
        return _checker(operation, bases)

    @property
    def documented(self) -> tuple[str, ...]:
        """The status keys the contract documents (`201`, `4XX`, `default`...)."""
        return tuple(self._responses)

    @property
    def schema_document(self) -> dict[str, Any]:
        """The contract as JSON Schema: where `body_schemas`' `$ref`s point."""
        return self._document.raw

    def body_schemas(self, status: int) -> tuple[Any, ...] | None:
        """The JSON body schemas documented for `status`: None when the status is not
        documented, () when it is documented without a JSON body schema."""
        documented = _lookup_status(self._responses, status)
        if documented is None:
            return None
        return tuple(
            at_pointer(self._document.raw, m.pointer)
            for m in documented
            if m.pointer is not None and _is_json(m.media_type) and m.outside is None
        )

    def has_body(self, status: int) -> bool:
        """Whether `status` is documented with any content: a media type, a schema, or
        (Swagger 2.0) only examples."""
        return bool(_lookup_status(self._responses, status)) or (
            _lookup_status(self._example_only, status) is not None
        )

    @property
    def notes(self) -> tuple[str, ...]:
        """Schemas met so far that could not be checked (e.g. remote `$ref`s), and why."""
        return tuple(self._notes)

    def check(
        self, status: int, content_type: str | None, body: bytes, redact: Redact = _as_is
    ) -> str | None:
        """None when the response honours the contract, else a short violation message.

        `redact` masks secrets in what the body put into the message, before it is cut.
        """
        violation = self.violation(status, content_type, body, redact)
        return None if violation is None else violation.message

    def violation(
        self, status: int, content_type: str | None, body: bytes, redact: Redact = _as_is
    ) -> Violation | None:
        """Like `check`, as a `Violation` (with a value-free `grouping` for statistics)."""
        documented = _lookup_status(self._responses, status)
        if documented is None:
            listed = ", ".join(self._responses) or "none"
            rule = f"status {status} is not documented (documented: {listed})"
            return Violation(status, "", rule, rule)
        if not documented or status in _NO_BODY_STATUSES:
            return None
        media = _pick_media(documented, content_type)
        if media is None:
            return _content_type_violation(status, content_type, documented)
        if media.pointer is None or not _is_json(media.media_type):
            return None
        if media.outside is not None:
            why = self._unresolved.get(media.outside, "outside the contract")
            note = f"{media.pointer}: not checked: it refers to {media.outside}, {why}"
            self._notes.setdefault(note)
            return None
        return self._check_body(status, media, body, redact)

    def review(
        self, status: int, content_type: str | None, body: bytes, redact: Redact = _as_is
    ) -> list[Finding]:
        """Every way the response departs from the contract (up to 25), each with its path.

        Unlike `violation`, which stops at the first break and is cheap enough for load, this
        lists every schema error and the fields the schema never names (drift). An
        undocumented status is drift: whether it is also a break is the caller's to say.
        """
        documented = _lookup_status(self._responses, status)
        if documented is None:
            listed = ", ".join(self._responses) or "none"
            text = f"status {status} is not documented (documented: {listed})"
            return [Finding("UNDOCUMENTED_STATUS", "", text, drift=True)]
        if not documented or status in _NO_BODY_STATUSES:
            return []
        media = _pick_media(documented, content_type)
        if media is None:
            text = _content_type_violation(status, content_type, documented).problem
            return [Finding("CONTENT_TYPE_MISMATCH", "", text)]
        if media.pointer is None or not _is_json(media.media_type) or media.outside is not None:
            return []
        return self._review_body(media, body, status, redact)

    def _review_body(
        self, media: _Media, body: bytes, status: int, redact: Redact
    ) -> list[Finding]:
        assert media.pointer is not None
        if not body.strip():
            return [Finding("EMPTY_BODY", "", f"empty body where {media.media_type} is documented")]
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:
            text = f"body is not JSON where {media.media_type} is documented"
            return [Finding("INVALID_JSON", "", f"{text} ({_short_text(str(exc))})")]
        try:
            errors = self._validator(media.pointer).errors(document, _MAX_FINDINGS)
        except (Unresolvable, UnknownType, RecursionError) as exc:
            self._notes.setdefault(f"{media.pointer}: not checked: {_short_text(str(exc))}")
            return []
        findings = [_finding(status, error, redact) for error in errors]
        schema = at_pointer(self._document.raw, media.pointer)
        for where in undocumented_fields(self._document.raw, schema, document):
            if len(findings) >= _MAX_FINDINGS:
                break
            text = "a field the schema does not document"
            findings.append(Finding("UNDOCUMENTED_FIELD", where, text, drift=True))
        return findings

    def _check_body(
        self, status: int, media: _Media, body: bytes, redact: Redact
    ) -> Violation | None:
        if not body.strip():
            rule = f"empty body where {media.media_type} is documented"
            return Violation(status, "", rule, rule)
        assert media.pointer is not None
        if self._validator(media.pointer).confirms(body):
            return None
        try:
            # json is the reference: orjson, on the fast path, reads huge integers as floats.
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:
            rule = f"body is not JSON where {media.media_type} is documented"
            return Violation(status, "", f"{rule} ({_short_text(str(exc))})", rule)
        return self._validate(status, media, document, redact)

    def _validate(
        self, status: int, media: _Media, document: Any, redact: Redact
    ) -> Violation | None:
        assert media.pointer is not None
        validator = self._validator(media.pointer)
        try:
            error = validator.first_error(document)
        except (Unresolvable, UnknownType, RecursionError) as exc:
            self._notes.setdefault(f"{media.pointer}: not checked: {_short_text(str(exc))}")
            return None
        return None if error is None else _schema_violation(status, error, redact)

    def _validator(self, pointer: str) -> CompiledSchema:
        validator = self._validators.get(pointer)
        if validator is None:
            validator = self._document.validator(pointer)
            self._validators[pointer] = validator
        return validator


def clear_cache() -> None:
    """Forget every compiled checker and converted contract (after contract files change)."""
    _checker.cache_clear()
    clear_schema_cache()


@functools.cache
def _checker(operation: Operation, bases: RefBases | None) -> ResponseChecker:
    return ResponseChecker(operation, load_contract(operation.contract, bases))


def _operation_pointer(contract: Contract, operation: Operation) -> str:
    item = contract.raw.get("paths", {}).get(operation.contract_path, {})
    key = next((k for k in item if str(k).upper() == operation.method), operation.method.lower())
    return f"/paths/{_escape(operation.contract_path)}/{_escape(str(key))}"


def _responses(
    doc: Mapping[str, Any], operation: Mapping[str, Any], pointer: str
) -> dict[str, tuple[_Media, ...]]:
    """Status key -> its documented media types, each with the pointer of its schema."""
    responses, where = follow(doc, operation.get("responses"), f"{pointer}/responses")
    if not isinstance(responses, Mapping):
        return {}
    produces = operation.get("produces") or doc.get("produces") or ["application/json"]
    found: dict[str, tuple[_Media, ...]] = {}
    for key, value in responses.items():
        response, at = follow(doc, value, f"{where}/{_escape(str(key))}")
        if isinstance(response, Mapping):
            found[str(key).upper()] = tuple(_media_of(doc, response, at, produces))
    return found


def _example_only(
    doc: Mapping[str, Any], operation: Mapping[str, Any], pointer: str
) -> dict[str, tuple[_Media, ...]]:
    """Swagger 2.0 responses documented by `examples` alone (no schema): a body, unchecked."""
    responses, where = follow(doc, operation.get("responses"), f"{pointer}/responses")
    found: dict[str, tuple[_Media, ...]] = {}
    for key, value in responses.items() if isinstance(responses, Mapping) else ():
        response, _ = follow(doc, value, f"{where}/{_escape(str(key))}")
        if isinstance(response, Mapping) and response.get("examples") and "schema" not in response:
            found[str(key).upper()] = ()
    return found


def _media_of(
    doc: Mapping[str, Any], response: Mapping[str, Any], at: str, produces: Any
) -> Iterator[_Media]:
    if "schema" in response and "content" not in response:  # Swagger 2.0
        for media_type in produces if isinstance(produces, list) else [produces]:
            yield _media(doc, str(media_type), f"{at}/schema")
        return
    content = response.get("content")
    if not isinstance(content, Mapping):
        return
    for media_type, spec in content.items():
        has_schema = isinstance(spec, Mapping) and "schema" in spec
        pointer = f"{at}/content/{_escape(str(media_type))}/schema" if has_schema else None
        yield _media(doc, str(media_type), pointer)


def _media(doc: Mapping[str, Any], media_type: str, pointer: str | None) -> _Media:
    clean = media_type.split(";", 1)[0].strip().lower()
    if pointer is None:
        return _Media(clean, None)
    return _Media(clean, pointer, outside_ref(doc, at_pointer(doc, pointer)))


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _lookup_status(
    responses: Mapping[str, tuple[_Media, ...]], status: int
) -> tuple[_Media, ...] | None:
    for key in (str(status), f"{status // 100}XX", "DEFAULT"):
        if key in responses:
            return responses[key]
    return None


def _pick_media(documented: tuple[_Media, ...], content_type: str | None) -> _Media | None:
    actual = (content_type or "").split(";", 1)[0].strip().lower()
    by_type = {m.media_type: m for m in documented}
    if not actual:
        return next((m for m in documented if _is_json(m.media_type)), documented[0])
    for candidate in (actual, f"{actual.split('/', 1)[0]}/*", "*/*"):
        if candidate in by_type:
            return by_type[candidate]
    if _is_json(actual):
        return next((m for m in documented if _is_json(m.media_type)), None)
    return None


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _content_type_violation(
    status: int, content_type: str | None, documented: tuple[_Media, ...]
) -> Violation:
    listed = ", ".join(m.media_type for m in documented)
    rule = f"content type {content_type!r} is not documented for {status} (documented: {listed})"
    return Violation(status, "", rule, rule)


def _schema_violation(status: int, error: ValidationError, redact: Redact) -> Violation:
    where = _json_path(error.absolute_path)
    rule = f"breaks {error.validator!r} ({_short_text(json.dumps(error.validator_value))})"
    if error.validator in ("required", "additionalProperties"):
        text = _masked_short(error.message, redact)
        return Violation(status, where, text, text)
    return Violation(status, where, _with_short_value(error, redact), rule)


def _finding(status: int, error: ValidationError, redact: Redact) -> Finding:
    violation = _schema_violation(status, error, redact)
    code = _CODES.get(str(error.validator), "SCHEMA_MISMATCH")
    return Finding(code, violation.where, violation.problem)


def _with_short_value(error: ValidationError, redact: Redact) -> str:
    # jsonschema's messages start with repr(instance): shorten it, keep the rule after it.
    text, head = error.message, repr(error.instance)
    if text.startswith(head) and len(head) > _VALUE_CHARS:
        text = _masked_short(head, redact, _VALUE_CHARS) + text[len(head) :]
    return _masked_short(text, redact)


def _masked_short(text: str, redact: Redact, limit: int = _MESSAGE_CHARS) -> str:
    """`text` (naming a reply's values) masked, then shortened: only its start is read."""
    return _short_text(redact(text[:_READ], cut=len(text) > _READ), limit)


def _json_path(path: Any) -> str:
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif str(part).isidentifier():
            parts.append(f".{part}")
        else:
            parts.append(f"[{json.dumps(str(part))}]")
    return "".join(parts)


def _short_text(text: str, limit: int = _MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
