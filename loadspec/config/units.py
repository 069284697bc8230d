"""Values written as text, one parser per unit: durations, rates, shares, counts, addresses.

Every option of the table, every `[tool.loadspec]` entry and every spec's pace is read with
these, so `2s`, `5/s` and `5%` mean the same wherever they are written. Each raises
`ConfigError` saying what was found and what is expected; `what` names the option or key.
"""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from loadspec.errors import ConfigError

__all__ = [
    "later",
    "parse_address",
    "parse_count",
    "parse_duration",
    "parse_method",
    "parse_natural",
    "parse_number",
    "parse_path",
    "parse_paths",
    "parse_percent",
    "parse_positive",
    "parse_rate",
    "parse_seconds",
    "parse_share",
    "parse_size",
    "parse_url",
]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0}
_PER = {"s": 1.0, "m": 60.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m)")
_RATE = re.compile(r"(\d+(?:\.\d+)?)\s*/\s*(s|m)")


def parse_duration(text: object, what: str = "duration") -> float:
    """Seconds in `500ms`, `1.5s`, `2m`."""
    found = _DURATION.fullmatch(str(text).strip())
    if found is None or isinstance(text, bool):
        raise ConfigError(f"{what} {text!r} is not a duration: a number and ms, s or m (2s)")
    return float(found[1]) * _UNITS[found[2]]


def parse_rate(text: object, what: str = "rate") -> float:
    """Per second in `5/s`, `300/m`; more than zero."""
    found = _RATE.fullmatch(str(text).strip())
    if found is None or isinstance(text, bool):
        raise ConfigError(f"{what} {text!r} is not a rate: a number per s or m (5/s)")
    value = float(found[1]) / _PER[found[2]]
    if value <= 0:
        raise ConfigError(f"{what} {text!r} must be more than zero")
    return value


def parse_number(text: object, what: str = "value") -> float:
    """A finite number: `10`, `0.25`."""
    try:
        value = float(str(text).strip()) if not isinstance(text, bool) else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ConfigError(f"{what} {text!r} is not a number")
    return value


def parse_positive(text: object, what: str = "value", unit: str = "") -> float:
    """A number more than zero (of `unit`, named in the message)."""
    value = parse_number(text, what)
    if value <= 0:
        raise ConfigError(f"{what} must be more than 0{unit}, got {text}")
    return value


def parse_seconds(text: object, what: str = "seconds") -> float:
    """A number of seconds more than zero: `30`, `0.5`."""
    return parse_positive(text, what, " seconds")


def parse_share(text: object, what: str = "share") -> float:
    """A share of the whole between 0 and 1: `0.05` or `5%`."""
    clean = str(text).strip()
    number = parse_number(clean.removesuffix("%"), what) / (100 if clean.endswith("%") else 1)
    if not 0.0 <= number <= 1.0:
        raise ConfigError(f"{what} {text!r} must be between 0 and 1 (or 0% and 100%)")
    return number


def parse_percent(text: object, what: str = "percentage") -> float:
    """A non-negative percentage as a ratio: `20%` or `20` is 0.2."""
    value = parse_number(str(text).strip().removesuffix("%"), what)
    if value < 0:
        raise ConfigError(f"{what} {text!r} must not be negative")
    return value / 100


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?", re.IGNORECASE)
_SIZES = {"": 1, "b": 1, "k": 1000, "m": 1000**2, "g": 1000**3}


def parse_size(text: object, what: str = "size") -> int:
    """Bytes in `1048576`, `512KB`, `16MB`, `16MiB`, `1GB` (at least 1)."""
    found = _SIZE.fullmatch(str(text).strip())
    if found is None or isinstance(text, bool):
        raise ConfigError(f"{what} {text!r} is not a size: a number and B, KB, MB or GB (16MB)")
    unit = (found[2] or "").lower()
    scale = 1024 ** (" kmg".index(unit[0])) if "i" in unit else _SIZES[unit[:1]]
    value = int(float(found[1]) * scale)
    if value < 1:
        raise ConfigError(f"{what} {text!r} must be at least 1 byte")
    return value


def parse_count(text: object, what: str = "count") -> int:
    """A whole number of at least 1."""
    value = parse_natural(text, what)
    if value < 1:
        raise ConfigError(f"{what} {text!r} must be a whole number >= 1")
    return value


def parse_natural(text: object, what: str = "number") -> int:
    """A whole number of at least 0."""
    clean = str(text).strip()
    if isinstance(text, bool) or not clean.isdigit():
        raise ConfigError(f"{what} {text!r} must be a whole number >= 0")
    return int(clean)


def parse_path(value: object, what: str = "path") -> Path:
    """One file or folder (`~` expanded)."""
    text = str(value).strip()
    if not text:
        raise ConfigError(f"{what}: no path given")
    return Path(text).expanduser()


def parse_paths(value: object, what: str = "paths") -> tuple[Path, ...]:
    """Files or folders: a list, or one text of them separated by commas."""
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    paths = tuple(Path(str(item).strip()).expanduser() for item in items if str(item).strip())
    if not paths:
        raise ConfigError(f"{what}: no path given")
    return paths


def parse_address(text: object, what: str = "address") -> tuple[str, int]:
    """`HOST:PORT` (`[::1]:8090` for IPv6) as a pair."""
    host, _, port = str(text).strip().rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ConfigError(f"{what} {text!r} is not HOST:PORT (e.g. 127.0.0.1:8090)")
    return host.strip("[]"), int(port)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def parse_method(text: object, what: str = "method") -> str:
    """An HTTP method, upper-cased."""
    method = str(text).strip().upper()
    if method not in _METHODS:
        raise ConfigError(f"{what} {text!r}: expected one of {', '.join(_METHODS)}")
    return method


def parse_url(text: object, what: str = "URL") -> str:
    """An http(s) URL with a host."""
    url = str(text).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} {url!r} is not an http(s) URL (e.g. http://127.0.0.1:8080)")
    return url


def later(reference: str) -> Callable[..., Any]:
    """The function `module:name`, imported when first called.

    The table names parsers of higher layers (a threshold, a stub delay) this way, so that
    reading the table loads none of them.
    """
    module, _, name = reference.partition(":")

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    call.__qualname__ = reference
    return call
