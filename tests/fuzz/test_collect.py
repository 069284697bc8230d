"""What the fuzz collector keeps of schemathesis' messages: masked first, then clipped."""

from __future__ import annotations

from schemathesis.engine import events

from loadspec.fuzz import Masker
from loadspec.fuzz.collect import Collector
from tests.leaks import leaks

from .conftest import TOKEN


def test_a_token_split_across_the_clipped_lines_is_masked_whole() -> None:
    """An error whose token spans the 6th line and the next: no piece of it survives the clip."""
    lines = ["first", "second", "third", "fourth", "fifth"]
    message = "\n".join([*lines, f"token: {TOKEN[:8]}", TOKEN[8:16], TOKEN[16:], "more"])
    error = events.NonFatalError(
        error=ValueError(message), phase=None, label="GET /x", related_to_operation=False
    )
    collector = Collector([], Masker([TOKEN]), progress=lambda line: None)
    collector.handle(error)
    (kept,) = collector.run_errors()
    assert "token: [redacted]" in kept and not leaks(kept, TOKEN), kept
