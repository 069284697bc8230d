"""What the embedded gateway serves: its operations, for runs that would send specs to it.

The gateway (`stub/gateway/app.py`) routes exactly these (a test holds the two together).
A run without `--host` asks `foreign` of each request (`loadspec.mock.embedded`): a spec that
calls anything else gets a mock of its contract, or the run refuses it, rather than counting
every request as a 404 of the wrong target.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CLIENTS_BASE", "GATEWAY_BASE", "SERVED_OPERATIONS", "foreign", "serves"]

GATEWAY_BASE = "/business/communication"
CLIENTS_BASE = "/platform/v1"

SERVED_OPERATIONS: Mapping[str, frozenset[str]] = {
    f"{GATEWAY_BASE}/channels": frozenset({"POST"}),
    f"{GATEWAY_BASE}/channels/{{uid}}": frozenset({"GET", "PUT", "DELETE"}),
    f"{GATEWAY_BASE}/messages": frozenset({"POST"}),
    f"{GATEWAY_BASE}/messages/{{messageUid}}": frozenset({"PUT"}),
    f"{GATEWAY_BASE}/sessions": frozenset({"GET", "POST"}),
    f"{GATEWAY_BASE}/sessions/typing": frozenset({"POST"}),
    f"{GATEWAY_BASE}/sessions/{{uid}}": frozenset({"PUT", "DELETE"}),
    f"{CLIENTS_BASE}/clients": frozenset({"GET"}),
}
"""Path template -> methods: the communication gateway's contract and the clients API."""

_TEMPLATES = [(tuple(path.split("/")), methods) for path, methods in SERVED_OPERATIONS.items()]


def serves(method: str, path: str) -> bool:
    """Whether the gateway has an operation for `method` on a spec step's `path`.

    A segment with a `{{placeholder}}` or a `{parameter}` matches any segment; the query is
    not part of it.
    """
    segments = path.split("?", 1)[0].rstrip("/").split("/")
    return any(
        method.upper() in methods and _same(segments, template) for template, methods in _TEMPLATES
    )


def foreign(method: str | None, path: str | None) -> bool:
    """A request the gateway has no operation for (a path that is all placeholder, or a
    whole URL, is the spec's own business: never foreign)."""
    if method is None or path is None or path.startswith(("{{", "http://", "https://")):
        return False
    return not serves(method, path)


def _same(segments: list[str], template: tuple[str, ...]) -> bool:
    if len(segments) != len(template):
        return False
    return all(
        mine == theirs or "{" in mine or theirs.startswith("{")
        for mine, theirs in zip(segments, template, strict=True)
    )
