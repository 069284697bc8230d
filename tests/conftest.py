"""Shared fixtures: paths to the project's data and the authors' real corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
VCITA = ROOT.parent / "shared" / "vcita"

# locustfiles/messages.py paces its runs at a real gateway's tier by default; tests that
# measure the chain's throughput run it unpaced (tests/load/test_load_model.py checks the pace).
os.environ.setdefault("LOADSPEC_DEFAULT_ARRIVAL_RATE", "")


@pytest.fixture
def vcita() -> Path:
    """The real specs and contracts, read in place; skipped where the folder is absent."""
    if not VCITA.is_dir():
        pytest.skip(f"the authors' corpus is not beside the checkout ({VCITA} is absent)")
    return VCITA
