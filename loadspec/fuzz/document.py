"""Contract documents as the fuzzer needs them: local `$ref`s, remote ones, a copy to hand over."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from loadspec.contract.lookup import Contract, ContractVersion, Operation
from loadspec.contract.refs import at_pointer, mappings, outside_ref, resolve

__all__ = [
    "MARK",
    "at_pointer",
    "for_schemathesis",
    "outside_ref",
    "parameters",
    "resolve",
    "shared_parameters",
]

MARK = "x-loadspec-fuzz"  # set on every document loadspec hands to schemathesis


def shared_parameters(contract: Contract, operation: Operation) -> list[Any]:
    """The `parameters` of the operation's path item, which every method on it shares."""
    item = resolve(contract.raw, contract.raw.get("paths", {}).get(operation.contract_path))
    shared = item.get("parameters") if isinstance(item, Mapping) else None
    return list(shared) if isinstance(shared, list) else []


def parameters(contract: Contract, operation: Operation) -> list[Mapping[str, Any]]:
    """Every parameter object of the operation (shared ones first), `$ref`s resolved."""
    own = operation.raw.get("parameters")
    listed = shared_parameters(contract, operation) + (own if isinstance(own, list) else [])
    resolved = (resolve(contract.raw, p) for p in listed)
    return [p for p in resolved if isinstance(p, Mapping)]


def for_schemathesis(contract: Contract) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A copy of the contract schemathesis can load, and what was changed to make it so.

    schemathesis mutates what it loads, so it gets its own copy. Version keys that are missing
    or not text are set from what `loadspec.contract.lookup` detected; remote `$ref`s and example
    `externalValue`s are removed, because schemathesis would fetch them from the network.
    """
    doc: dict[str, Any] = copy.deepcopy(dict(contract.raw))
    changes: list[str] = []
    if contract.version is ContractVersion.SWAGGER2 and doc.get("swagger") != "2.0":
        changes.append(f"swagger: {doc.get('swagger', '(missing)')!r} read as '2.0'")
        doc["swagger"] = "2.0"
    elif "openapi" in doc and not isinstance(doc["openapi"], str):
        changes.append(f"openapi: {doc['openapi']!r} read as {str(doc['openapi'])!r}")
        doc["openapi"] = str(doc["openapi"])
    doc[MARK] = True
    removed = _strip_outside(doc)
    if removed:
        changes.append(
            f"{removed} remote $ref/externalValue entries ignored (loadspec fetches nothing "
            "remote); operations that need them are not fuzzed"
        )
    return doc, tuple(changes)


def _strip_outside(node: Any) -> int:
    removed = 0
    for current in mappings(node):
        ref = current.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            del current["$ref"]
            removed += 1
        if isinstance(current.get("externalValue"), str):
            del current["externalValue"]
            removed += 1
    return removed
