"""The Locust layer: specs as Locust users. The only layer that imports locust.

Importing this package does not import locust (whose import monkey-patches the process
with gevent); `spec_users` and `SpecUser` do, when a locustfile first asks for them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SpecUser", "spec_users"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from loadspec.locust import users

        return getattr(users, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
