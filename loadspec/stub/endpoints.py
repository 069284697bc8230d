"""The operations the embedded gateway serves, as (method, path template): standard library only.

A run without a host asks this table whether the gateway can serve its specs
(`loadspec.mock.embedded`); a test pins it to the gateway's own router.
"""

from __future__ import annotations

__all__ = ["GATEWAY_ENDPOINTS", "served_by_gateway"]

_GATEWAY = "/business/communication"
_CLIENTS = "/platform/v1"

GATEWAY_ENDPOINTS: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", f"{_GATEWAY}/channels"),
        ("GET", f"{_GATEWAY}/channels/{{uid}}"),
        ("PUT", f"{_GATEWAY}/channels/{{uid}}"),
        ("DELETE", f"{_GATEWAY}/channels/{{uid}}"),
        ("POST", f"{_GATEWAY}/messages"),
        ("PUT", f"{_GATEWAY}/messages/{{messageUid}}"),
        ("GET", f"{_GATEWAY}/sessions"),
        ("POST", f"{_GATEWAY}/sessions"),
        ("POST", f"{_GATEWAY}/sessions/typing"),
        ("PUT", f"{_GATEWAY}/sessions/{{uid}}"),
        ("DELETE", f"{_GATEWAY}/sessions/{{uid}}"),
        ("GET", f"{_CLIENTS}/clients"),
    }
)


def _shape(path: str) -> tuple[str, ...]:
    """A path's segments with every `{name}` (or `{{name}}` template) as `{}`."""
    route = path.split("?", 1)[0]
    return tuple("{}" if "{" in s else s for s in route.strip("/").split("/"))


_SHAPES = frozenset((method, _shape(path)) for method, path in GATEWAY_ENDPOINTS)


def served_by_gateway(method: str, path: str) -> bool:
    """Whether the embedded gateway serves `METHOD path` (path parameters by any name)."""
    return (method.upper(), _shape(path)) in _SHAPES
