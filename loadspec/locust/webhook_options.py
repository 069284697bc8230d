"""The webhook listener's options: command line, LOADSPEC_WEBHOOK_* variables, config files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from loadspec.errors import ConfigError
from loadspec.webhooks.defaults import DEFAULT_HMAC_HEADER
from loadspec.webhooks.limits import WebhookLimits
from loadspec.webhooks.signing import Scheme

__all__ = ["ListenerSettings", "add_webhook_arguments", "listener_settings", "webhook_limits"]

_DEFAULTS = WebhookLimits()
# option, field, metavar, help (defaults are WebhookLimits')
_OPTIONS = (
    (
        "--webhook-max-age",
        "max_age",
        "SECONDS",
        "a callback whose iat is further from now, before or after, is rejected",
    ),
    (
        "--webhook-replay-window",
        "replay_window",
        "SECONDS",
        "a delivery id seen within this is a replay, dropped (at least twice --webhook-max-age)",
    ),
    (
        "--webhook-max-pending",
        "max_pending",
        "N",
        "callbacks kept for waits not started yet; the oldest is dropped, counted",
    ),
    (
        "--webhook-max-rate",
        "max_rate",
        "PER_SECOND",
        "callbacks handled per second and "
        "process; beyond, 429 and Retry-After (the sender retries), counted",
    ),
    (
        "--webhook-max-share",
        "max_share",
        "SHARE",
        "the most of the process's time callback handling may take, 0..1; beyond, callbacks "
        "wait in their sockets (backpressure) so that a flood cannot starve the users",
    ),
)


def add_webhook_arguments(group: Any) -> None:
    """Register the listener's options on Locust's loadspec option group."""
    for option, name, metavar, text in _OPTIONS:
        default = getattr(_DEFAULTS, name)
        group.add_argument(
            option,
            env_var="LOADSPEC_" + option[2:].upper().replace("-", "_"),
            type=float,
            default=default,
            metavar=metavar,
            help=f"{text} (default {default:g})",
        )
    _add_endpoint_arguments(group)


def _add_endpoint_arguments(group: Any) -> None:
    for option, metavar, default, text in _ENDPOINT:
        group.add_argument(
            option,
            env_var="LOADSPEC_" + option[2:].upper().replace("-", "_"),
            default=default,
            metavar=metavar,
            help=text,
        )


_ENDPOINT = (
    (
        "--webhook-listen",
        "HOST:PORT",
        "127.0.0.1:0",
        "where the webhook listener binds (default 127.0.0.1:0, a free loopback port); "
        "in a distributed run, the master's listener relays to the workers",
    ),
    (
        "--webhook-url",
        "URL",
        None,
        "the public URL {{webhook_url}} renders (a tunnel, ingress or load balancer in "
        "front of --webhook-listen); default: the listener's own address",
    ),
    (
        "--webhook-signature",
        "jwt|hmac-sha256|none",
        "jwt",
        "how callbacks are signed: jwt (HS256 with payload_hash, the embedded gateway's), "
        "hmac-sha256 (of the raw body, hex or base64, optional sha256= prefix) or none",
    ),
    (
        "--webhook-signature-header",
        "NAME",
        DEFAULT_HMAC_HEADER,
        f"the header holding an hmac-sha256 signature (default {DEFAULT_HMAC_HEADER})",
    ),
)


@dataclass(frozen=True, slots=True)
class ListenerSettings:
    """Where the webhook listener binds, what it advertises, what it verifies.

    Attributes:
        host: the address to bind.
        port: the port to bind (0: a free one).
        url: the public URL offered as {{webhook_url}} (None: the bound address).
        scheme: the signature scheme callbacks must carry.
        header: the header holding an hmac-sha256 signature.
    """

    host: str = "127.0.0.1"
    port: int = 0
    url: str | None = None
    scheme: Scheme = Scheme.JWT
    header: str = DEFAULT_HMAC_HEADER


def listener_settings(options: Any) -> ListenerSettings:
    """The listener's address, public URL and scheme (`ConfigError` for a bad one)."""
    host, port = _address(str(getattr(options, "webhook_listen", None) or "127.0.0.1:0"))
    url = getattr(options, "webhook_url", None) or None
    parts = urlsplit(url or "")
    if url and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise ConfigError(f"--webhook-url {url!r} is not an http(s) URL")
    scheme = str(getattr(options, "webhook_signature", None) or "jwt")
    if scheme not in {s.value for s in Scheme}:
        raise ConfigError(f"--webhook-signature {scheme!r}: expected jwt, hmac-sha256 or none")
    header = str(getattr(options, "webhook_signature_header", None) or DEFAULT_HMAC_HEADER)
    return ListenerSettings(host, port, url, Scheme(scheme), header)


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"--webhook-listen {text!r} is not HOST:PORT (e.g. 127.0.0.1:8090)")
    return host.strip("[]"), int(port)


def webhook_limits(options: Any) -> WebhookLimits:
    """The limits the parsed options give (defaults for those not given)."""
    given: dict[str, Any] = {}
    for option, name, _, _ in _OPTIONS:
        value = getattr(options, option[2:].replace("-", "_"), None)
        if value is not None:
            given[name] = int(value) if name == "max_pending" else float(value)
    return WebhookLimits(**given)
