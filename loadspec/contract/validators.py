"""A contract's schemas as compiled JSON Schema validators: fast to confirm, precise to explain.

Valid responses, the common case, are confirmed by jsonschema-rs (compiled, ~200x faster);
jsonschema explains the invalid ones, so messages are the same with or without it. OpenAPI's
schema dialect (`nullable`, `x-nullable`, Swagger's `file`) is turned into JSON Schema first.
Neither validator ever fetches a remote `$ref`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import jsonschema
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT4, DRAFT202012

from loadspec.contract.lookup import Contract, ContractVersion

try:
    import jsonschema_rs
except ImportError:  # pragma: no cover - schemathesis brings it; jsonschema alone is only slower
    jsonschema_rs = None  # type: ignore[assignment]  # the fallback is checked at each use

try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - a declared dependency; json is only slower
    _fast_loads = json.loads  # type: ignore[assignment]  # same contract for bytes in, Any out

__all__ = ["CompiledSchema", "SchemaDocument", "clear_cache", "schema_document"]

# Keywords that a nullable schema cannot simply extend with `"null"` in its `type`.
_COMPOSITE = ("$ref", "allOf", "anyOf", "oneOf", "not")


@dataclass(frozen=True, slots=True)
class CompiledSchema:
    """One schema's validators: a fast yes/no one (if available) and one that explains."""

    fast: Any
    slow: jsonschema.protocols.Validator

    def confirms(self, body: bytes) -> bool:
        """Whether the fast validator vouches for `body`; False means "ask the slow one"."""
        if self.fast is None:
            return False
        try:
            return bool(self.fast.is_valid(_fast_loads(body)))
        except Exception:  # unparsable, or refused: the slow path says precisely what is wrong
            return False

    def first_error(self, document: Any) -> ValidationError | None:
        error: ValidationError | None = best_match(self.slow.iter_errors(document))
        return error

    def errors(self, document: Any, limit: int) -> list[ValidationError]:
        """Up to `limit` errors, each the most telling one of its place in the document.

        A failed `anyOf`/`oneOf` stands for the best match among its alternatives' errors.
        """
        found: list[ValidationError] = []
        for error in self.slow.iter_errors(document):
            found.append(best_match(error.context) or error if error.context else error)
            if len(found) >= limit:
                break
        return sorted(found, key=lambda e: [str(part) for part in e.absolute_path])


@dataclass(frozen=True, slots=True, eq=False)
class SchemaDocument:
    """A contract converted to plain JSON Schema, registered so that `$ref`s resolve in it."""

    uri: str
    raw: dict[str, Any]
    registry: Registry[Any]
    validator_class: type[jsonschema.protocols.Validator]
    draft4: bool

    @classmethod
    def of(cls, contract: Contract) -> SchemaDocument:
        return schema_document(contract)

    def validator(self, pointer: str) -> CompiledSchema:
        # Path keys such as `/channels/{uid}` hold characters a URI fragment must escape.
        schema: dict[str, Any] = {"$ref": f"{self.uri}#{quote(pointer, safe='/~')}"}
        return CompiledSchema(
            self._fast(schema), self.validator_class(schema, registry=self.registry)
        )

    def _fast(self, schema: dict[str, Any]) -> Any:
        if jsonschema_rs is None:
            return None
        try:
            return _rs_validator(self, schema)
        except Exception:  # any refusal only costs speed: jsonschema still checks
            return None


def _rs_validator(document: SchemaDocument, schema: dict[str, Any]) -> Any:
    assert jsonschema_rs is not None
    draft = jsonschema_rs.Draft4 if document.draft4 else jsonschema_rs.Draft202012
    registry = _rs_registry(document, draft)
    cls = jsonschema_rs.Draft4Validator if document.draft4 else jsonschema_rs.Draft202012Validator
    # Formats are off: jsonschema, which explains failures, does not check them either.
    return cls(schema, registry=registry, validate_formats=False, offline=True)


@functools.lru_cache(maxsize=64)
def _rs_registry(document: SchemaDocument, draft: Any) -> Any:
    assert jsonschema_rs is not None
    return jsonschema_rs.Registry([(document.uri, document.raw)], draft=draft)


@functools.lru_cache(maxsize=64)
def schema_document(contract: Contract) -> SchemaDocument:
    uri = f"urn:loadspec:contract:{contract.path.as_posix()}"
    raw: dict[str, Any] = _to_json_schema(contract.raw)
    validator_class: type[jsonschema.protocols.Validator]
    if contract.version is ContractVersion.OPENAPI31:
        validator_class, spec = jsonschema.Draft202012Validator, DRAFT202012
    else:
        # Swagger 2.0 and OpenAPI 3.0 schemas are draft 4 plus extensions (boolean exclusiveMin).
        validator_class, spec = jsonschema.Draft4Validator, DRAFT4
    registry: Registry[Any] = Registry().with_resource(uri, spec.create_resource(raw))
    return SchemaDocument(uri, raw, registry, validator_class, spec is DRAFT4)


def _to_json_schema(node: Any) -> Any:
    """The contract with OpenAPI's schema dialect turned into JSON Schema (`nullable`, `file`)."""
    if isinstance(node, list):
        return [_to_json_schema(item) for item in node]
    if not isinstance(node, Mapping):
        return node
    converted = {key: _to_json_schema(value) for key, value in node.items()}
    if converted.get("type") == "file":
        del converted["type"]  # Swagger 2.0's upload type has no JSON Schema meaning
    if converted.get("nullable") is True or converted.get("x-nullable") is True:
        return _nullable(converted)
    return converted


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in schema.items() if k not in ("nullable", "x-nullable")}
    if "type" not in rest or any(key in rest for key in _COMPOSITE):
        return {"anyOf": [{"type": "null"}, rest]}
    types = rest["type"] if isinstance(rest["type"], list) else [rest["type"]]
    rest["type"] = types if "null" in types else [*types, "null"]
    if isinstance(rest.get("enum"), list) and None not in rest["enum"]:
        rest["enum"] = [*rest["enum"], None]
    return rest


def clear_cache() -> None:
    """Forget every converted contract and compiled registry."""
    schema_document.cache_clear()
    _rs_registry.cache_clear()
