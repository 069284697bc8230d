"""The embedded gateway's part of the table: `loadspec stub` and `python -m loadspec.stub.listen`.

Each entry fills the `StubConfig` (or `Faults`, group "faults") field its `dest` names; left
unset, the field keeps `StubConfig`'s default, which the help states.
"""

from __future__ import annotations

from typing import Any

from loadspec.config import units
from loadspec.config.table import Command, Kind, Option
from loadspec.webhooks.defaults import DEFAULT_HMAC_HEADER, DEFAULT_WEBHOOK_SECRET, SCHEMES

__all__ = ["FAULTS", "STUB_OPTIONS"]

FAULTS = "faults"
"""The group of options that fill `Faults`, all off by default."""
_STUB = frozenset({Command.STUB})
_SERVED = frozenset({Command.STUB, Command.MOCK})
"""Options of the stub that the contract mock (`loadspec mock`) takes too: same front end."""
_DELAY = "ms: N, fixed:N, uniform:LO:HI, exp:MEAN or normal:MU:SD"


def _stub(name: str, metavar: str, text: str, parse: Any = None, **more: Any) -> Option:
    return Option(name, text, _STUB, parse=parse, metavar=metavar, group="behaviour", **more)


def _served(name: str, metavar: str, text: str, parse: Any = None, **more: Any) -> Option:
    return Option(name, text, _SERVED, parse=parse, metavar=metavar, group="behaviour", **more)


def _fault(name: str, text: str, parse: Any = units.parse_share) -> Option:
    # A delay's text is read by the gateway's own `parse_delay` (`config_from_values`).
    metavar = "P" if parse is units.parse_share else "DELAY"
    return Option(name, text, _SERVED, parse=parse, metavar=metavar, group=FAULTS)


_SERVING = (
    Option(
        "--host",
        "address to listen on: loopback, or an address --allow-host names (default 127.0.0.1)",
        _SERVED,
        default="127.0.0.1",
        metavar="ADDRESS",
    ),
    Option(
        "--allow-host",
        "an address other than loopback the gateway may listen on and send callbacks to, "
        "e.g. 198.18.0.1 or *.svc.cluster.local (repeatable; the load run's rules)",
        _STUB,
        Kind.REPEAT,
        metavar="PATTERN",
        field="allow_hosts",
    ),
    Option(
        "--port",
        "port to listen on, 0 for any free one (default 8080)",
        _SERVED,
        parse=units.parse_natural,
        default="8080",
        metavar="PORT",
    ),
    Option(
        "--port",
        "port to listen on (default 8099)",
        frozenset({Command.LISTEN}),
        parse=units.parse_natural,
        default="8099",
        metavar="PORT",
    ),
    Option(
        "--token",
        "an accepted staff token (repeatable; default: the gateway's development token)",
        _STUB,
        Kind.REPEAT,
        metavar="TOKEN",
        secret=True,
        config=False,
        field="tokens",
    ),
    Option(
        "--webhook-secret",
        "the HS256 secret callbacks are signed with (default: the gateway's own)",
        _SERVED,
        metavar="SECRET",
        secret=True,
        config=False,
    ),
    Option(
        "--webhook-secret",
        "the secret the gateway signs callbacks with (default: the gateway's own)",
        frozenset({Command.LISTEN}),
        default=DEFAULT_WEBHOOK_SECRET,
        metavar="SECRET",
        secret=True,
        config=False,
    ),
)

_BEHAVIOUR = (
    _served(
        "--activation-delay",
        "DELAY",
        f"channel creation to activation; the mock's records from pending to active, and its "
        f"callbacks ({_DELAY}; default uniform:500:1500)",
    ),
    _stub(
        "--message-delay",
        "DELAY",
        f"between message status steps ({_DELAY}; default fixed:50)",
    ),
    _stub(
        "--callback-url",
        "URL",
        "callbacks of channels created without a callback_url go here (loopback, or --allow-host)",
        units.parse_url,
    ),
    _served(
        "--callback-signature",
        "|".join(SCHEMES),
        "how callbacks are signed: jwt (HS256 with payload_hash, the default), hmac-sha256 "
        "(hex HMAC of the body, sha256= prefix, in --callback-signature-header) or none",
        choices=SCHEMES,
    ),
    _served(
        "--callback-signature-header",
        "NAME",
        f"the header an hmac-sha256 signature goes in (default {DEFAULT_HMAC_HEADER})",
    ),
    _served(
        "--callback-attempts", "N", "delivery attempts per callback (default 5)", units.parse_count
    ),
    _served(
        "--callback-backoff",
        "SECONDS",
        "first retry delay, doubled at each retry (default 0.2)",
        units.parse_number,
    ),
    _stub(
        "--rate-limit",
        "RPS",
        "requests per second per business, 429 beyond (the contract's tier is 8; default off)",
        units.parse_number,
    ),
    _stub(
        "--clients-per-business",
        "N",
        "seeded clients per business (default 30)",
        units.parse_natural,
    ),
    _stub(
        "--business-uid",
        "UID",
        "business of a clients query that names none",
        field="default_business_uid",
    ),
    _served(
        "--max-body",
        "BYTES",
        "largest request body accepted (413 beyond; default 1048576)",
        units.parse_natural,
    ),
    _served(
        "--max-header-bytes",
        "BYTES",
        "largest request line and headers accepted (431 beyond; default 65536)",
        units.parse_natural,
    ),
    _served(
        "--max-headers",
        "N",
        "most headers per request (431 beyond; default 100)",
        units.parse_natural,
    ),
    _served(
        "--header-timeout",
        "SECONDS",
        "a request's headers must arrive within this (slow clients are cut off; default 10)",
        units.parse_seconds,
    ),
    _stub(
        "--max-channels",
        "N",
        "channels (and sessions) kept; the oldest are forgotten beyond (default 50000)",
        units.parse_count,
    ),
    _stub(
        "--max-messages",
        "N",
        "messages kept; the oldest are forgotten beyond (default 100000)",
        units.parse_count,
    ),
    _stub(
        "--retention",
        "SECONDS",
        "forget messages older and channels unused longer than this (0: never; default 600)",
        units.parse_number,
        field="retention_seconds",
    ),
    _served(
        "--server",
        "KIND",
        "HTTP front end: httptools (default, fastest) or uvicorn (the ASGI app under uvicorn)",
        choices=("httptools", "uvicorn"),
    ),
)

_FAULTS = (
    _fault("--error-rate", "answer 500 instead"),
    _fault("--latency", f"extra latency ({_DELAY})", None),
    _fault("--reset-rate", "reset the connection instead"),
    _fault("--malformed-rate", "answer with broken JSON"),
    _fault("--contract-break-rate", "answer 2xx with a body that breaks the contract"),
    _fault("--callback-drop-rate", "never deliver"),
    _fault("--callback-delay", f"extra delay before each callback ({_DELAY})", None),
    _fault("--callback-duplicate-rate", "deliver twice"),
    _fault("--callback-reorder-rate", "hold back so later callbacks overtake"),
)

_HANDSHAKE = tuple(
    Option(
        name,
        text,
        _SERVED,
        Kind.FLAG,
        default=False,
        hidden=True,
        config=False,
        variable="",
    )
    for name, text in (
        ("--ready-json", "print the bound address as JSON once serving (for the launcher)"),
        ("--exit-on-stdin-eof", "stop when stdin closes (the launcher's process went away)"),
    )
)

STUB_OPTIONS: tuple[Option, ...] = (*_SERVING, *_BEHAVIOUR, *_FAULTS, *_HANDSHAKE)
