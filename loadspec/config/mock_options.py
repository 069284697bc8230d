"""The contract mock's own part of the table (`loadspec mock`); it shares the stub's front end,
limits, faults and signing options (`stub_options`, the entries that name `Command.MOCK`).

Each entry fills the `MockConfig` field its `dest` names (`loadspec.mock.config`).
"""

from __future__ import annotations

from loadspec.config import units
from loadspec.config.table import Command, Kind, Option

__all__ = ["MOCK_OPTIONS"]

_MOCK = frozenset({Command.MOCK})
_ref_base = units.later("loadspec.contract.bundle:parse_ref_base")

MOCK_OPTIONS: tuple[Option, ...] = (
    Option(
        "--contracts",
        "OpenAPI 3.0/3.1 or Swagger 2.0 contract files, or folders searched for *.json, *.yaml "
        "and *.yml; every operation of each is served",
        _MOCK,
        parse=units.parse_paths,
        metavar="CONTRACT",
        group="contracts",
        positional=True,
        variable="LOADSPEC_MOCK_CONTRACTS",
    ),
    Option(
        "--ref-base",
        "contract $refs starting with PREFIX are read from DIR, never from the network "
        "(repeatable; the authors' published prefix is read from the nearest folder above "
        "the contract that holds the file)",
        _MOCK,
        Kind.REPEAT,
        parse=lambda text, _what: _ref_base(text),
        metavar="PREFIX=DIR",
        group="contracts",
        config=False,
        variable="LOADSPEC_MOCK_REF_BASES",
    ),
    Option(
        "--credential",
        "a credential the mock accepts: a bearer token, or an API key's value (repeatable; "
        "default: any credential sent where the operation's scheme says is accepted)",
        _MOCK,
        Kind.REPEAT,
        metavar="VALUE",
        group="behaviour",
        secret=True,
        config=False,
        field="credentials",
        variable="LOADSPEC_MOCK_CREDENTIALS",
    ),
    Option(
        "--lenient",
        "serve a request that breaks the contract's parameters or body anyway, naming what it "
        "breaks in the X-Loadspec-Mock-Problems header (for a contract stricter than its API; "
        "a missing credential is still 401)",
        _MOCK,
        Kind.FLAG,
        default=False,
        group="behaviour",
        variable="LOADSPEC_MOCK_LENIENT",
    ),
    Option(
        "--max-records",
        "records the mock keeps (created, or generated and then asked for); the oldest are "
        "forgotten beyond, and counted (default 100000)",
        _MOCK,
        parse=units.parse_count,
        metavar="N",
        group="behaviour",
        variable="LOADSPEC_MOCK_MAX_RECORDS",
    ),
)
