"""A contract's security schemes (OpenAPI 3 `components.securitySchemes`, Swagger 2
`securityDefinitions`) and what each operation requires (its `security`, else the document's)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadspec.security import KeyPlace, SchemeKind, Security, SecurityScheme

__all__ = ["declares_security", "operation_security", "security_schemes"]

_BEARER_TYPES = frozenset({"oauth2", "openIdConnect"})


def security_schemes(document: Mapping[str, Any]) -> dict[str, SecurityScheme | str]:
    """Every scheme the document declares: name -> how it is sent, or why it cannot be."""
    components = document.get("components")
    declared: Any = components.get("securitySchemes") if isinstance(components, Mapping) else None
    swagger2 = document.get("securityDefinitions")
    found: dict[str, SecurityScheme | str] = {}
    for source in (swagger2, declared):
        if isinstance(source, Mapping):
            for name, raw in source.items():
                found[str(name)] = _scheme(str(name), raw)
    return found


def declares_security(document: Mapping[str, Any]) -> bool:
    """Whether the document says what any request needs: a `security` key at the top or on
    an operation (a contract that only lists schemes says nothing of who needs them)."""
    if "security" in document:
        return True
    paths = document.get("paths")
    items = paths.values() if isinstance(paths, Mapping) else ()
    return any(
        isinstance(item, Mapping)
        and any(isinstance(op, Mapping) and "security" in op for op in item.values())
        for item in items
    )


def operation_security(
    document: Mapping[str, Any],
    operation: Mapping[str, Any],
    schemes: Mapping[str, SecurityScheme | str],
    declared: bool = True,
) -> Security | None:
    """What `operation` requires; None when the document declares no scheme at all, or
    never says (`declared`, `declares_security`) which request needs one."""
    if not schemes or not declared:
        return None
    required = operation.get("security", document.get("security", []))
    if not isinstance(required, list):
        return Security()
    alternatives: list[tuple[SecurityScheme, ...]] = []
    unusable: list[str] = []
    for entry in required:
        if not isinstance(entry, Mapping):
            continue
        wanted = [(str(name), schemes.get(str(name), "not declared")) for name in entry]
        bad = [f"{name}: {why}" for name, why in wanted if isinstance(why, str)]
        if bad:
            unusable += bad
            continue
        alternatives.append(tuple(s for _, s in wanted if isinstance(s, SecurityScheme)))
    if not alternatives and unusable:
        return Security((), tuple(unusable))
    return Security(tuple(alternatives), tuple(unusable))


def _scheme(name: str, raw: Any) -> SecurityScheme | str:
    if not isinstance(raw, Mapping):
        return "not a scheme object"
    kind = str(raw.get("type", ""))
    if kind == "apiKey":
        return _api_key(name, raw)
    if kind in _BEARER_TYPES:
        return SecurityScheme(name, SchemeKind.BEARER, declared=kind)
    if kind in ("http", "basic"):  # Swagger 2 says `type: basic`
        http = "basic" if kind == "basic" else str(raw.get("scheme", "")).lower()
        if http in ("bearer", "basic"):
            return SecurityScheme(name, SchemeKind(http), declared=f"http {http}")
        return f"HTTP {http or '(no scheme)'} authentication is not supported"
    return f"type {kind or '(none)'} is not supported (bearer, basic and apiKey are)"


def _api_key(name: str, raw: Mapping[str, Any]) -> SecurityScheme | str:
    place, param = str(raw.get("in", "")), raw.get("name")
    if place not in {p.value for p in KeyPlace} or not isinstance(param, str) or not param:
        return f"apiKey without a usable 'in' and 'name' ({place!r}, {param!r})"
    return SecurityScheme(name, SchemeKind.API_KEY, KeyPlace(place), param, "apiKey")
