"""`loadspec validate | head`: a reader that leaves early is no error worth a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def test_a_closed_pipe_prints_no_traceback() -> None:
    """Output into a pipe nobody reads any more: validate stops quietly, no BrokenPipeError."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`head`) has already gone
    try:
        done = subprocess.run(
            [sys.executable, "-m", "loadspec", "validate", "specs/"],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == 1
