"""The embedded communication gateway: a real HTTP server, started in its own process.

with StubServer(activation_delay=parse_delay("50")) as stub:
    stub.url, stub.tokens[0], stub.secret, stub.business_uid
"""

from __future__ import annotations

from loadspec.stub.config import (
    DEFAULT_BUSINESS_UID,
    DEFAULT_TOKEN,
    Delay,
    DelayKind,
    Faults,
    ServerKind,
    StubConfig,
    StubConfigError,
    parse_delay,
)
from loadspec.stub.process import StubServer, StubStartError

__all__ = [
    "DEFAULT_BUSINESS_UID",
    "DEFAULT_TOKEN",
    "Delay",
    "DelayKind",
    "Faults",
    "ServerKind",
    "StubConfig",
    "StubConfigError",
    "StubServer",
    "StubStartError",
    "parse_delay",
]
