"""`loadspec mock CONTRACT...`: serve a stateful mock of the contracts in the foreground."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["run"]


def run(values: Mapping[str, Any]) -> int:
    """Serve until Ctrl+C; 0 on a clean stop."""
    from loadspec.mock.serve import run_mock

    return run_mock(values)
