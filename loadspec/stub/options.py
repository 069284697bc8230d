"""The stub's command-line flags, shared by `loadspec stub` and `python -m loadspec.stub`.

One table maps each flag to a `StubConfig` (or `Faults`) field, so the CLI, the subprocess the
Python API spawns, and the config can never disagree.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from loadspec.stub.config import (
    DEFAULT_TOKEN,
    Delay,
    Faults,
    ServerKind,
    StubConfig,
    StubConfigError,
    parse_delay,
)

__all__ = [
    "CLI_DEFAULT_PORT",
    "SECRET_ENV",
    "TOKENS_ENV",
    "add_arguments",
    "config_from_args",
    "config_to_argv",
    "secret_env",
]

CLI_DEFAULT_PORT = 8080
# Secrets travel to a spawned stub through its environment, never its argv (which `ps` shows).
TOKENS_ENV = "LOADSPEC_STUB_TOKENS"
SECRET_ENV = "LOADSPEC_STUB_WEBHOOK_SECRET"


@dataclass(frozen=True, slots=True)
class _Flag:
    name: str
    field: str
    kind: Callable[[str], Any]
    metavar: str
    help: str
    fault: bool = False


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {text}")
    return value


def _delay(text: str) -> Delay:
    try:
        return parse_delay(text)
    except StubConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


_DELAY_HELP = "ms: N, fixed:N, uniform:LO:HI, exp:MEAN or normal:MU:SD"
_FLAGS = (
    _Flag(
        "--webhook-secret",
        "webhook_secret",
        str,
        "SECRET",
        "HS256 secret callbacks are signed with",
    ),
    _Flag(
        "--activation-delay",
        "activation_delay",
        _delay,
        "DELAY",
        f"channel creation to activation ({_DELAY_HELP}; default uniform:500:1500)",
    ),
    _Flag(
        "--message-delay",
        "message_delay",
        _delay,
        "DELAY",
        f"between message status steps ({_DELAY_HELP}; default fixed:50)",
    ),
    _Flag(
        "--callback-url",
        "callback_url",
        str,
        "URL",
        "callbacks of channels created without a callback_url go here (loopback only)",
    ),
    _Flag(
        "--callback-signature",
        "callback_signature",
        str,
        "jwt|hmac-sha256|none",
        "how callbacks are signed: jwt (HS256 with payload_hash, the default), hmac-sha256 "
        "(hex HMAC of the body, sha256= prefix, in --callback-signature-header) or none",
    ),
    _Flag(
        "--callback-signature-header",
        "callback_signature_header",
        str,
        "NAME",
        "the header an hmac-sha256 signature goes in (default X-Hub-Signature-256)",
    ),
    _Flag("--callback-attempts", "callback_attempts", int, "N", "delivery attempts per callback"),
    _Flag(
        "--callback-backoff",
        "callback_backoff",
        float,
        "SECONDS",
        "first retry delay, doubled at each retry",
    ),
    _Flag(
        "--rate-limit",
        "rate_limit",
        float,
        "RPS",
        "requests per second per business, 429 beyond (the contract's tier is 8; default off)",
    ),
    _Flag(
        "--clients-per-business", "clients_per_business", int, "N", "seeded clients per business"
    ),
    _Flag(
        "--business-uid",
        "default_business_uid",
        str,
        "UID",
        "business of a clients query that names none",
    ),
    _Flag("--max-body", "max_body", int, "BYTES", "largest request body accepted (413 beyond)"),
    _Flag(
        "--max-header-bytes",
        "max_header_bytes",
        int,
        "BYTES",
        "largest request line and headers accepted (431 beyond; default 65536)",
    ),
    _Flag("--max-headers", "max_headers", int, "N", "most headers per request (431 beyond)"),
    _Flag(
        "--header-timeout",
        "header_timeout",
        float,
        "SECONDS",
        "a request's headers must arrive within this (slow clients are cut off; default 10)",
    ),
    _Flag(
        "--max-channels",
        "max_channels",
        int,
        "N",
        "channels (and sessions) kept; the oldest are forgotten beyond (default 50000)",
    ),
    _Flag(
        "--max-messages",
        "max_messages",
        int,
        "N",
        "messages kept; the oldest are forgotten beyond (default 100000)",
    ),
    _Flag(
        "--retention",
        "retention_seconds",
        float,
        "SECONDS",
        "forget messages older and channels unused longer than this (0: never; default 600)",
    ),
    _Flag("--seed", "seed", int, "N", "seed of random draws (faults, jitter, seeded clients)"),
    _Flag(
        "--server",
        "server",
        ServerKind,
        "KIND",
        "HTTP front end: httptools (default, fastest) or uvicorn (the ASGI app under uvicorn)",
    ),
    _Flag("--error-rate", "error_rate", _rate, "P", "answer 500 instead", fault=True),
    _Flag("--latency", "latency", _delay, "DELAY", f"extra latency ({_DELAY_HELP})", fault=True),
    _Flag("--reset-rate", "reset_rate", _rate, "P", "reset the connection instead", fault=True),
    _Flag("--malformed-rate", "malformed_rate", _rate, "P", "answer with broken JSON", fault=True),
    _Flag(
        "--contract-break-rate",
        "contract_break_rate",
        _rate,
        "P",
        "answer 2xx with a body that breaks the contract",
        fault=True,
    ),
    _Flag("--callback-drop-rate", "callback_drop_rate", _rate, "P", "never deliver", fault=True),
    _Flag(
        "--callback-delay",
        "callback_delay",
        _delay,
        "DELAY",
        f"extra delay before each callback ({_DELAY_HELP})",
        fault=True,
    ),
    _Flag(
        "--callback-duplicate-rate",
        "callback_duplicate_rate",
        _rate,
        "P",
        "deliver twice",
        fault=True,
    ),
    _Flag(
        "--callback-reorder-rate",
        "callback_reorder_rate",
        _rate,
        "P",
        "hold back so later callbacks overtake",
        fault=True,
    ),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register every stub flag on `parser`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback only)")
    parser.add_argument(
        "--port",
        type=int,
        default=CLI_DEFAULT_PORT,
        help=f"port to listen on, 0 for any free one (default {CLI_DEFAULT_PORT})",
    )
    parser.add_argument(
        "--token",
        action="append",
        dest="tokens",
        metavar="TOKEN",
        help=f"an accepted staff token (repeatable; default {DEFAULT_TOKEN!r})",
    )
    main = parser.add_argument_group("behaviour")
    faults = parser.add_argument_group("faults (all off by default)")
    for flag in _FLAGS:
        group = faults if flag.fault else main
        group.add_argument(
            flag.name,
            dest=flag.field,
            type=flag.kind,
            metavar=flag.metavar,
            default=None,
            help=flag.help,
        )
    parser.add_argument("--ready-json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help=argparse.SUPPRESS)


def config_from_args(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> StubConfig:
    """The `StubConfig` the parsed flags (and the secrets' environment variables) describe."""
    environ = os.environ if environ is None else environ
    given = {f.field: getattr(args, f.field) for f in _FLAGS if getattr(args, f.field) is not None}
    fault_names = {f.field for f in _FLAGS if f.fault}
    faults = Faults(**{k: v for k, v in given.items() if k in fault_names})
    main = {k: v for k, v in given.items() if k not in fault_names}
    env_tokens = tuple(t for t in environ.get(TOKENS_ENV, "").splitlines() if t)
    if args.tokens or env_tokens:
        main["tokens"] = tuple(args.tokens or ()) + env_tokens
    if "webhook_secret" not in main and environ.get(SECRET_ENV):
        main["webhook_secret"] = environ[SECRET_ENV]
    return StubConfig(host=args.host, port=args.port, faults=faults, **main)


def config_to_argv(config: StubConfig) -> list[str]:
    """Flags for `config` but its secrets (see `secret_env`); only values off the defaults."""
    argv = ["--host", config.host, "--port", str(config.port)]
    default, default_faults = StubConfig(), Faults()
    for flag in _FLAGS:
        source, base = (config.faults, default_faults) if flag.fault else (config, default)
        value = getattr(source, flag.field)
        if flag.field != "webhook_secret" and value != getattr(base, flag.field):
            argv += [flag.name, str(value)]
    return argv


def secret_env(config: StubConfig) -> dict[str, str]:
    """The environment variables that carry `config`'s tokens and webhook secret to a child."""
    return {TOKENS_ENV: "\n".join(config.tokens), SECRET_ENV: config.webhook_secret}


def _check_table() -> None:
    # Every config field has a flag: a new field without one would silently not reach the child.
    names = {f.field for f in _FLAGS}
    config_fields = {f.name for f in fields(StubConfig)} - {"host", "port", "tokens", "faults"}
    missing = (config_fields | {f.name for f in fields(Faults)}) - names
    assert not missing, f"stub flags missing for {sorted(missing)}"


_check_table()
