"""What the contract mock is started with: its contracts, the stub's serving settings, bounds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loadspec.stub.config import StubConfig, StubConfigError

__all__ = ["DEFAULT_MAX_RECORDS", "MockConfig"]

DEFAULT_MAX_RECORDS = 100_000


@dataclass(frozen=True, slots=True)
class MockConfig:
    """Everything `loadspec mock` is started with; mirrored by its flags.

    Attributes:
        contracts: contract files or folders (folders: every *.json, *.yaml, *.yml below).
        server: the stub's settings the mock shares: address, front end, limits, faults,
            callback signing, seed, and `activation_delay` (pending to active, callbacks).
        max_records: records kept; the oldest are forgotten beyond (counted).
        ref_bases: (prefix, folder) pairs: `$ref`s under a prefix are read from the folder.
        credentials: the credentials accepted (bearer tokens, API key values); empty: any
            credential sent where its scheme says is accepted.
        lenient: serve requests that break the contract's parameters or body anyway (what
            they break in a header).
    """

    contracts: tuple[Path, ...]
    server: StubConfig = field(default_factory=StubConfig)
    max_records: int = DEFAULT_MAX_RECORDS
    ref_bases: tuple[tuple[str, Path], ...] = ()
    credentials: tuple[str, ...] = ()
    lenient: bool = False

    def __post_init__(self) -> None:
        if not self.contracts:
            raise StubConfigError("the mock needs at least one contract file or folder")
        if any(not c or c != c.strip() for c in self.credentials):
            raise StubConfigError("credentials must be non-empty, without surrounding spaces")
        if self.max_records < 1:
            raise StubConfigError("max_records must be at least 1")
