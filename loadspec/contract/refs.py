"""JSON pointers and local `$ref`s inside one contract document; nothing remote is fetched."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["at_pointer", "follow", "mappings", "outside_ref", "resolve"]

_MAX_REF_HOPS = 32
_LEAVES = frozenset({str, int, float, bool, type(None)})


def at_pointer(doc: Any, pointer: str) -> Any:
    """The node at a JSON pointer (`/components/schemas/X`), or None."""
    node = doc
    for part in pointer.split("/")[1:] if pointer else []:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def follow(doc: Any, node: Any, pointer: str) -> tuple[Any, str]:
    """`node`, or what its chain of local `$ref`s names, with the pointer it was found at.

    A dangling or endless chain gives None.
    """
    for _ in range(_MAX_REF_HOPS):
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not isinstance(ref, str) or not ref.startswith("#"):
            return node, pointer
        pointer = ref[1:]
        node = at_pointer(doc, pointer)
    return None, pointer


def mappings(node: Any) -> Iterator[Any]:
    """Every mapping below `node` (itself included); each may be edited as it is handed out."""
    stack = [node]
    while stack:
        current = stack.pop()
        kind = type(current)
        if kind in _LEAVES:
            continue  # most nodes: skip the ABC check of `Mapping`, the walk's main cost
        if kind is list or (kind is not dict and isinstance(current, list)):
            stack.extend(current)
        elif kind is dict or isinstance(current, Mapping):
            yield current
            stack.extend(current.values())  # read after the caller's edits: they count


def resolve(doc: Any, node: Any) -> Any:
    """`node`, or what its chain of local `$ref`s names (None for a dangling one)."""
    return follow(doc, node, "")[0]


def outside_ref(doc: Any, node: Any) -> str | None:
    """The first `$ref` reachable from `node` that leaves the document."""
    seen: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, Mapping):
            ref = current.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return ref
            if isinstance(ref, str) and ref not in seen:
                seen.add(ref)
                stack.append(at_pointer(doc, ref[1:]))
            stack.extend(v for k, v in current.items() if k != "$ref")
    return None
