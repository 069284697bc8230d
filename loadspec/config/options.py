"""The table: every option and setting of every command, declared once (`OPTIONS`).

A new option is one entry here; `loadspec.config.register` puts it on the command line (and
on Locust's parser, web UI and config files), `loadspec.config.project` on `[tool.loadspec]`,
`loadspec.config.docs` in the README, and `loadspec.config.settings` reads its value.
"""

from __future__ import annotations

from typing import Any

from loadspec.config import units
from loadspec.config.mock_options import MOCK_OPTIONS
from loadspec.config.stub_options import STUB_OPTIONS
from loadspec.config.table import Command, Kind, Option
from loadspec.webhooks.defaults import DEFAULT_HMAC_HEADER, SCHEMES
from loadspec.webhooks.limits import WebhookLimits

__all__ = ["OPTIONS", "PHASES"]

C = Command
SPECS = frozenset({C.LOCUST, C.VALIDATE, C.LIST, C.FUZZ, C.CHECK})
RUNS = frozenset({C.LOCUST, C.FUZZ, C.CHECK})
LOCUST = frozenset({C.LOCUST})
SENDS = frozenset({C.LOCUST, C.CHECK})
"""The commands that run the specs' steps (and so send their requests and wait for callbacks)."""
CHECK = frozenset({C.CHECK})
PHASES = ("examples", "coverage", "fuzzing", "stateful")
"""schemathesis' phases, in the order they run."""
_LIMITS = WebhookLimits()
_threshold = units.later("loadspec.verdicts.thresholds:parse_threshold")
_ref_base = units.later("loadspec.contract.bundle:parse_ref_base")
_var = units.later("loadspec.inputs.variables:parse_var")
_parse_pace = units.later("loadspec.language.pace:parse_pace")


def _pace(kind: str) -> Any:
    return lambda text, what: _parse_pace(kind, text, what)


def _ignore_what(parse: Any) -> Any:
    """A parser of one text (a threshold, a delay) as the table calls it: (text, what)."""
    return lambda text, _what: parse(text)


_SPECS = (
    Option(
        "--specs",
        "spec files or folders searched for *.md (default: specs/); a Locust run takes them "
        "as --specs PATH[,PATH], `loadspec load` as PATH[,PATH]",
        SPECS | {C.LOAD},
        parse=units.parse_paths,
        metavar="PATH",
        group="specs",
        positional=True,
        variable="LOADSPEC_SPECS",
    ),
    Option(
        "--root",
        "where the specs' swagger: paths resolve, and the spec tree (default: the nearest folder "
        "above each spec that holds the named file)",
        SPECS,
        parse=units.parse_path,
        metavar="DIR",
        group="specs",
    ),
    Option(
        "--allow-path",
        "a file or folder outside the spec tree that specs may name in swagger:, data: and "
        "file_fields: (repeatable; the spec tree is --root, else the nearest folder above the "
        "specs with pyproject.toml or .git, else the folder named)",
        SPECS,
        Kind.REPEAT,
        parse=units.parse_path,
        metavar="PATH",
        group="specs",
    ),
    Option(
        "--var",
        "a run variable (repeatable); also LOADSPEC_VAR_<NAME> and [tool.loadspec.vars]",
        SPECS,
        Kind.REPEAT,
        parse=_ignore_what(_var),
        metavar="NAME=VALUE",
        group="specs",
        config=False,
        variable="LOADSPEC_VAR_<NAME>",
    ),
    Option(
        "--api-validation-config",
        "the authors' api-validation configuration (default.json + tokens.json): baseUrl is "
        "the host, fallbackUrl the fallback host, tokens and params the credentials and run "
        "variables, rateLimit the pacing",
        SPECS,
        metavar="DIR|FILE",
        group="specs",
    ),
    Option(
        "--ref-base",
        "contract $refs starting with PREFIX are read from DIR, never from the network "
        "(repeatable; also [tool.loadspec.ref-bases]; the authors' published prefix is read "
        "from the root by default)",
        RUNS,
        Kind.REPEAT,
        parse=_ignore_what(_ref_base),
        metavar="PREFIX=DIR",
        group="specs",
        config=False,
    ),
    Option(
        "--include-skipped",
        "also run specs whose status is skip, skipped, failed or deprecated",
        RUNS,
        Kind.FLAG,
        default=False,
        group="specs",
    ),
    Option(
        "--allow-invalid",
        "run without the invalid specs (each one is logged) instead of exiting 2",
        LOCUST,
        Kind.FLAG,
        default=False,
        group="specs",
    ),
)

_TARGET = (
    Option(
        "--url",
        "the server to fuzz (default: the embedded gateway, started for the run)",
        frozenset({C.FUZZ}),
        parse=units.parse_url,
        metavar="URL",
        group="target",
    ),
    Option(
        "--allow-host",
        "a host other than loopback this run may send traffic to, e.g. api.example.com or "
        "*.staging.example.com (repeatable)",
        RUNS,
        Kind.REPEAT,
        metavar="PATTERN",
        group="target",
    ),
    Option(
        "--fallback-host",
        "the host for steps marked useFallback / useFallbackApi",
        SENDS,
        parse=units.parse_url,
        metavar="URL",
        group="target",
    ),
    Option(
        "--request-timeout",
        "a request with no complete answer by then is a failure (default 30)",
        RUNS,
        parse=units.parse_seconds,
        default="30",
        metavar="SECONDS",
        group="target",
        web_ui=True,
    ),
    Option(
        "--max-body-bytes",
        "the largest response body a step takes, after decompression (default 16MB): a larger "
        "or endless one is a failure of that step, and the rest is never read",
        SENDS,
        parse=units.parse_size,
        default="16MB",
        metavar="SIZE",
        group="target",
    ),
    Option(
        "LOADSPEC_TOKEN_<TYPE>",
        "the token of each type a spec sends: STAFF, DIRECTORY, CLIENT, APP, ADMIN, BUSINESS, "
        "INTERNAL, OPERATOR, or any other name a spec gives",
        RUNS,
        Kind.ENV,
        group="target",
        secret=True,
        config=False,
        variable="LOADSPEC_TOKEN_<TYPE>",
    ),
    Option(
        "LOADSPEC_CREDENTIAL_<SCHEME>",
        "the secret of a contract's security scheme (its name upper-cased, other characters "
        "as _): a bearer token (HTTP bearer, OAuth2, OpenID Connect), user:password (HTTP "
        "basic) or an API key; sent where the operation's security names it",
        RUNS,
        Kind.ENV,
        group="target",
        secret=True,
        config=False,
        variable="LOADSPEC_CREDENTIAL_<SCHEME>",
    ),
)

_CHECKS = (
    Option(
        "--validate-responses",
        "check this share of responses (0..1, or 5%%) against the specs' contracts; a "
        "violation fails the request",
        LOCUST,
        parse=units.parse_share,
        default="0",
        metavar="RATE",
        group="checks",
        web_ui=True,
    ),
    Option(
        "--threshold",
        "a pass criterion checked at the end (repeatable): 'p95<300', 'fail_rate<1%%', "
        "'POST /business/communication/messages:p99<500'; a breach exits 1",
        LOCUST,
        Kind.REPEAT,
        parse=_ignore_what(_threshold),
        metavar="[ROW:]METRIC<VALUE",
        group="checks",
        web_ui=True,
    ),
    Option(
        "--junit",
        "write a JUnit XML report",
        RUNS,
        metavar="FILE",
        group="checks",
    ),
    Option(
        "--baseline",
        "a previous run's --json-file output to compare this run with",
        LOCUST,
        metavar="FILE",
        group="checks",
    ),
    Option(
        "--max-regression",
        "with --baseline: fail the run when a row's p95, p99 or failure rate is worse by more "
        "than this (e.g. 20%%)",
        LOCUST,
        parse=units.parse_percent,
        metavar="PCT",
        group="checks",
    ),
)


def _load_option(name: str, metavar: str, text: str, parse: Any, web_ui: bool = True) -> Option:
    return Option(
        name, text, LOCUST, parse=parse, metavar=metavar, group="load model", web_ui=web_ui
    )


_LOAD = (
    _load_option(
        "--think-time",
        "TIME[-TIME]",
        "a pause after each iteration, per user, fixed or uniform: 1s, 0.5s-2s; a spec's own "
        "thinkTime: wins",
        _pace("thinkTime"),
    ),
    _load_option(
        "--pacing",
        "TIME",
        "an iteration starts every TIME per user, whatever the latency: 2s; a spec's own pacing: "
        "wins",
        _pace("pacing"),
    ),
    _load_option(
        "--user-rate",
        "N/s",
        "iterations per second per user: 5/s; a spec's own rate: wins",
        _pace("rate"),
    ),
    _load_option(
        "--iterations",
        "N",
        "end the run after N Test Request iterations in all (across users and workers: each worker"
        " gets its part, the master ends the run when all are done)",
        units.parse_count,
    ),
    _load_option(
        "--load-profile",
        "FILE",
        "stages from a YAML file, or [tool.loadspec.profile] (Locust's own --profile names a run "
        "for its cloud)",
        None,
        web_ui=False,
    ),
    _load_option(
        "--arrival-rate",
        "N/s",
        "open model: iterations start on a schedule, N a second in all (split across workers), "
        "whatever the latency: 50/s",
        units.parse_rate,
    ),
    _load_option(
        "--max-users",
        "N",
        "the most users an arrival rate may add up to, from -u, while it falls behind (a rate: "
        "stage runs this many; default -u)",
        units.parse_count,
    ),
    Option(
        "LOADSPEC_DEFAULT_ARRIVAL_RATE",
        "a locustfile's arrival rate when the run shapes its load in no other way "
        "(locustfiles/messages.py sets 2/s; empty: unpaced)",
        LOCUST,
        Kind.ENV,
        parse=units.parse_rate,
        group="load model",
        config=False,
        variable="LOADSPEC_DEFAULT_ARRIVAL_RATE",
    ),
)


def _limit(name: str, metavar: str, text: str, field: str, parse: Any) -> Option:
    default = getattr(_LIMITS, field)
    shown = str(default) if isinstance(default, int) else f"{default:g}"
    return Option(
        name,
        f"{text} (default {shown})",
        SENDS,
        parse=parse,
        default=shown,
        metavar=metavar,
        group="webhooks",
    )


_WEBHOOKS = (
    Option(
        "--webhook-listen",
        "where the webhook listener binds (default 127.0.0.1:0, a free loopback port); in a "
        "distributed run, the master's listener relays to the workers",
        SENDS,
        parse=units.parse_address,
        default="127.0.0.1:0",
        metavar="HOST:PORT",
        group="webhooks",
    ),
    Option(
        "--webhook-url",
        "the public URL {{webhook_url}} renders (a tunnel, ingress or load balancer in front "
        "of --webhook-listen); default: the listener's own address",
        SENDS,
        parse=units.parse_url,
        metavar="URL",
        group="webhooks",
    ),
    Option(
        "--webhook-signature",
        "how callbacks are signed: jwt (HS256 with payload_hash, the embedded gateway's), "
        "hmac-sha256 (of the raw body, hex or base64, optional sha256= prefix) or none",
        SENDS,
        choices=SCHEMES,
        default="jwt",
        metavar="|".join(SCHEMES),
        group="webhooks",
    ),
    Option(
        "--webhook-signature-header",
        f"the header holding an hmac-sha256 signature (default {DEFAULT_HMAC_HEADER})",
        SENDS,
        default=DEFAULT_HMAC_HEADER,
        metavar="NAME",
        group="webhooks",
    ),
    _limit(
        "--webhook-max-age",
        "SECONDS",
        "a callback whose iat is further from now, before or after, is rejected",
        "max_age",
        units.parse_seconds,
    ),
    _limit(
        "--webhook-replay-window",
        "SECONDS",
        "a delivery id seen within this is a replay, dropped (at least twice --webhook-max-age)",
        "replay_window",
        units.parse_seconds,
    ),
    _limit(
        "--webhook-max-pending",
        "N",
        "callbacks kept for waits not started yet; the oldest is dropped, counted",
        "max_pending",
        units.parse_count,
    ),
    _limit(
        "--webhook-max-pending-bytes",
        "BYTES",
        "body bytes kept for waits not started yet, all callbacks together; the oldest is "
        "dropped, counted; 32 MiB holds 20,000 callbacks of 1.6 KB (a gateway's are a few "
        "hundred bytes), where the count alone let 1 MB bodies take 20 GB",
        "max_pending_bytes",
        units.parse_count,
    ),
    _limit(
        "--webhook-max-rate",
        "PER_SECOND",
        "callbacks handled per second and process; beyond, 429 and Retry-After (the sender "
        "retries), counted",
        "max_rate",
        units.parse_positive,
    ),
    _limit(
        "--webhook-max-share",
        "SHARE",
        "the most of the process's time callback handling may take, 0..1 (time waiting on "
        "a client is not counted); beyond, callbacks wait in their sockets "
        "(backpressure) so that a flood cannot starve the users",
        "max_share",
        units.parse_share,
    ),
    Option(
        "LOADSPEC_WEBHOOK_SECRET",
        "the secret callbacks are signed with (default: the embedded gateway's); a run at "
        "any other host whose specs wait for callbacks needs it, or --webhook-signature none",
        SENDS,
        Kind.ENV,
        group="webhooks",
        secret=True,
        config=False,
        variable="LOADSPEC_WEBHOOK_SECRET",
    ),
)

_OUTPUT = (
    Option(
        "--strict",
        "treat warnings as errors",
        frozenset({C.VALIDATE}),
        Kind.FLAG,
        default=False,
        group="output",
    ),
    Option(
        "--verbose",
        "show every warning, even one repeated more than 3 times",
        frozenset({C.VALIDATE}),
        Kind.FLAG,
        default=False,
        group="output",
        short="-v",
        config=False,
    ),
    Option(
        "--format",
        "text (default) or json",
        frozenset({C.VALIDATE, C.LIST}),
        choices=("text", "json"),
        default="text",
        group="output",
        config=False,
    ),
)

_FUZZ = frozenset({C.FUZZ})
_FUZZING = (
    Option(
        "--max-examples",
        "examples per operation and phase (default 100)",
        _FUZZ,
        parse=units.parse_count,
        default="100",
        metavar="N",
        group="fuzzing",
    ),
    Option(
        "--phases",
        f"comma-separated phases to run (default {','.join(PHASES)})",
        _FUZZ,
        default=",".join(PHASES),
        metavar="LIST",
        group="fuzzing",
    ),
    Option(
        "--checks",
        "comma-separated schemathesis checks, or 'all' (default)",
        _FUZZ,
        default="all",
        metavar="LIST",
        group="fuzzing",
    ),
    Option(
        "--master-timeout",
        "a worker that hears nothing from its master for this long stops and exits 1 "
        "(default 60, Locust's own; at most 60: Locust's worker quits then anyway)",
        LOCUST,
        parse=units.parse_seconds,
        default="60",
        metavar="SECONDS",
        group="run",
    ),
    Option(
        "--seed",
        "seed of random draws, for a run that can be repeated",
        frozenset({C.FUZZ, C.STUB, C.MOCK}),
        parse=units.parse_natural,
        metavar="N",
        group="run",
    ),
    Option(
        "--dry-run",
        "show what would run (fuzz: be fuzzed), in what order, and what cannot and why, "
        "without a request",
        frozenset({C.FUZZ, C.CHECK}),
        Kind.FLAG,
        default=False,
        group="fuzzing",
        config=False,
    ),
)

_CHECK = (
    Option(
        "--host",
        "the API to check (a path prefix and a trailing slash are kept); default: the "
        "api-validation configuration's baseUrl, else the embedded gateway, started for the run",
        CHECK,
        parse=units.parse_url,
        metavar="URL",
        group="target",
    ),
    Option(
        "--concurrency",
        "specs checked at the same time (default 4); the configuration's rateLimit still paces "
        "every request",
        CHECK,
        parse=units.parse_count,
        default="4",
        metavar="N",
        group="check",
    ),
    Option(
        "--domain",
        "check only specs of this domain (front matter domain:, else the spec's folder; "
        "repeatable)",
        CHECK,
        Kind.REPEAT,
        metavar="NAME",
        group="check",
    ),
    Option(
        "--method",
        "check only specs whose endpoint has this method (repeatable)",
        CHECK,
        Kind.REPEAT,
        parse=units.parse_method,
        metavar="METHOD",
        group="check",
    ),
    Option(
        "--tags",
        "check only specs with one of these tags (repeatable)",
        CHECK,
        Kind.REPEAT,
        metavar="TAG",
        group="check",
    ),
    Option(
        "--include-delete",
        "also check specs whose endpoint is a DELETE (destructive: left out by default, as the "
        "authors' tool does)",
        CHECK,
        Kind.FLAG,
        default=False,
        group="check",
    ),
    Option(
        "--fail-on",
        "the least status that fails the run, exit 1: warn, error or fail (default)",
        CHECK,
        choices=("warn", "error", "fail"),
        default="fail",
        metavar="warn|error|fail",
        group="check",
    ),
    Option(
        "--json",
        "write the report as JSON (summary, results, byDomain: the authors' report's shape)",
        CHECK,
        metavar="FILE",
        group="check",
    ),
    Option(
        "--html",
        "write a report a person reads: every spec, and each failing one with what was sent "
        "and received",
        CHECK,
        metavar="FILE",
        group="check",
    ),
    Option(
        "--markdown",
        "write the same report as Markdown (for a pull request comment or a job summary)",
        CHECK,
        metavar="FILE",
        group="check",
    ),
    Option(
        "--baseline",
        "a previous check's --json: specs that newly fail are named, and fail the run",
        CHECK,
        metavar="FILE",
        group="check",
    ),
)

_PASSED_ON = (
    Option(
        "--locust-options",
        "after PATH (and an optional --): Locust's own options, passed on as given (-u, -r, "
        "-t, --headless, --host, --web-port, --master, --processes, ...) with loadspec's "
        "(--threshold, --junit, ...)",
        frozenset({C.LOAD}),
        Kind.REST,
        metavar="LOCUST-OPTION",
        group="specs",
        config=False,
        positional=True,
        variable="",
    ),
)

OPTIONS: tuple[Option, ...] = (
    *_SPECS,
    *_PASSED_ON,
    *_TARGET,
    *_CHECKS,
    *_CHECK,
    *_LOAD,
    *_WEBHOOKS,
    *_OUTPUT,
    *_FUZZING,
    *STUB_OPTIONS,
    *MOCK_OPTIONS,
)
"""Every option and setting of every command, in the order help and docs list them."""
