"""Run the mock in this process, on the stub's front end: load contracts, announce, serve."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadspec.mock.app import INTERNAL, MockDispatcher
from loadspec.mock.config import MockConfig
from loadspec.mock.options import mock_config
from loadspec.stub.server.serve import serve

__all__ = ["run_mock"]


def run_mock(values: Mapping[str, Any]) -> int:
    """Serve the mock the options' `values` describe until stopped; an exit code."""
    config = mock_config(values)
    dispatcher = MockDispatcher.of(config)
    return serve(
        config.server,
        ready_json=values["ready_json"],
        exit_on_stdin_eof=values["exit_on_stdin_eof"],
        application=dispatcher,
        banner=lambda url: _banner(config, dispatcher, url),
    )


def _banner(config: MockConfig, dispatcher: MockDispatcher, url: str) -> str:
    named = ", ".join(str(path) for path in config.contracts)
    return (
        f"loadspec mock listening on {url}\n"
        f"  {dispatcher.paths} paths of {named}\n"
        f"  records kept in memory (at most {config.max_records}); "
        f"forget them all: POST {url}{INTERNAL}/reset\n"
        f"  a mock, not the API: answers come from the contracts; Ctrl+C to stop\n"
    )
