"""Lazy package exports: a package names what it offers without importing it up front.

`import loadspec.stub` must not load the spec loader, and `import loadspec` must not load YAML;
each public name is imported from its module the first time someone asks for it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(namespace: dict[str, Any], origins: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports each name from `origins[name]` once, then keeps it."""

    def resolve(name: str) -> Any:
        origin = origins.get(name)
        if origin is None:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(origin), name)
        namespace[name] = value
        return value

    return resolve
