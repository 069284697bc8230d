"""Which hosts a run may send traffic to, and whether they answer: decided before any request."""

from __future__ import annotations

import fnmatch
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from loadspec.errors import ConfigError

__all__ = ["AllowList", "Origins", "check_reachable", "hostname_of", "preflight_hosts"]

_HOW = (
    "allow it with --allow-host {name} (repeatable), LOADSPEC_ALLOW_HOSTS={name} "
    "or allow-host in a config file"
)


def hostname_of(label: str, url: str) -> str:
    """The host name of an http(s) URL (`ConfigError` for anything else)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{label} {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8080)")
    return parts.hostname


def _loopback(hostname: str) -> bool:
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class AllowList:
    """Host patterns (fnmatch, case-insensitive) a run may target besides loopback.

    Attributes:
        patterns: what --allow-host, LOADSPEC_ALLOW_HOSTS and config files allow.
    """

    patterns: tuple[str, ...] = ()

    @classmethod
    def of(cls, given: Iterable[str]) -> AllowList:
        """--allow-host values (each may hold several, comma-separated), lower-cased."""
        return cls(tuple(p.strip().lower() for t in given for p in t.split(",") if p.strip()))

    def allows(self, hostname: str) -> bool:
        """Loopback always; any other host only when a pattern names it."""
        name = hostname.lower()
        return _loopback(name) or any(fnmatch.fnmatchcase(name, p) for p in self.patterns)

    def names(self, hostname: str) -> bool:
        """Whether a pattern names `hostname` (loopback is not named by default)."""
        name = hostname.lower()
        return any(fnmatch.fnmatchcase(name, p) for p in self.patterns)

    def check(self, label: str, url: str) -> str:
        """The host name of `url`; `ConfigError` saying how to allow it when it is not allowed."""
        name = hostname_of(label, url)
        if not self.allows(name):
            raise ConfigError(
                f"{label} {url}: {name} is not a loopback address, and a run sends it real "
                f"traffic: {_HOW.format(name=name)}"
            )
        return name


def check_reachable(label: str, url: str, timeout: float = 5.0) -> None:
    """One TCP connection to `url`'s host and port; `ConfigError` with the reason if none."""
    parts = urlsplit(url)
    name = hostname_of(label, url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"{label} {url}: {name} cannot be resolved ({exc.strerror})") from None
    family, kind, proto, _, address = addresses[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.settimeout(timeout)
            probe.connect(address)
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ConfigError(f"{label} {url}: cannot connect to {name}:{port} ({why})") from None


def preflight_hosts(targets: Sequence[tuple[str, str]], allowed: AllowList) -> None:
    """Every (label, URL) an http(s) URL on an allowed host, then each answering one TCP
    connection (`ConfigError` at the first that does not): load runs and fuzz alike."""
    for label, url in targets:
        allowed.check(label, url)
    for label, url in targets:
        check_reachable(label, url)


_SHOWN = 80


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or (443 if scheme == "https" else 80)


@dataclass(frozen=True, slots=True)
class Origins:
    """Where one run's requests may go: its own host and fallback host, and the hosts its
    --allow-host patterns name (loopback is not enough: another loopback host is refused).

    Attributes:
        own: (scheme, host, port) of the run's host and fallback host.
        allowed: the run's allow-list.
    """

    own: frozenset[tuple[str, str, int]] = frozenset()
    allowed: AllowList = AllowList()

    @classmethod
    def of(cls, hosts: Iterable[str | None], allowed: AllowList) -> Origins:
        """The origins of `hosts` (None and empty ones left out)."""
        return cls(frozenset(_origin(h) for h in hosts if h), allowed)

    def refusal(self, path: str, absolute_ok: bool = False) -> str | None:
        """Why a rendered path may not be sent (None: it may).

        A path that starts with one `/` stays on the host it is sent to. Anything else is
        refused, unless the step takes absolute URLs (`absoluteUrl: true`) and it is an
        http(s) URL without userinfo on one of the run's own hosts or an allowed one.
        """
        if path.startswith("/") and not path.startswith("//"):
            return None
        shown = path if len(path) <= _SHOWN else path[: _SHOWN - 1] + "…"
        parts = urlsplit(path)
        if not absolute_ok or parts.scheme not in ("http", "https") or not parts.hostname:
            return (
                f"refused: path {shown!r} is not a path on the run's host; a step that "
                "follows absolute links says absoluteUrl: true"
            )
        if "@" in parts.netloc:
            return f"refused: {shown!r} carries userinfo (user@host): never sent"
        if _origin(path) in self.own or self.allowed.names(parts.hostname):
            return None
        return f"refused: {parts.hostname} is not an allowed host"
