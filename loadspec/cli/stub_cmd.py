"""`loadspec stub`: run the embedded communication gateway in the foreground."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["run"]


def run(values: Mapping[str, Any]) -> int:
    """Serve until Ctrl+C; 0 on a clean stop."""
    from loadspec.stub.options import config_from_values
    from loadspec.stub.server.serve import serve

    config = config_from_values(values)
    return serve(
        config, ready_json=values["ready_json"], exit_on_stdin_eof=values["exit_on_stdin_eof"]
    )
