"""The authors' own configuration, read as their tool reads it: `default.json` + `tokens.json`.

Their tool (`api-validation/src/core/config/index.js`) deep-merges `config/default.json` and
`config/tokens.json`. loadspec reads the same files unchanged: `baseUrl` and `fallbackUrl` are
the host and the fallback host, `tokens` the credentials by their type names (each also the
secret of a contract's security scheme of that name), `params` run
variables (an empty value or the example file's `your-...-here` declares a name without a
value), and `rateLimit` the default pacing. Other keys (`swaggerPath`, `options`, `ai`...) are
theirs and ignored.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from loadspec.errors import ConfigError
from loadspec.language.model import TokenType

__all__ = [
    "ApiValidationConfig",
    "ApiValidationError",
    "RateLimit",
    "load_api_validation_config",
]

_FILES = ("default.json", "tokens.json")
_PLACEHOLDER = "your-"  # how their example file and their own checks mark an unset value
_TOKEN_PLACEHOLDER = ("your-", "...")  # token-validator.js skips tokens holding either


class ApiValidationError(ConfigError):
    """An api-validation configuration that cannot be used."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The `rateLimit` block, with the authors' defaults for what it leaves out.

    Attributes:
        requests_per_second: at most this many request starts per second.
        max_concurrent: at most this many requests in flight.
        delay_ms: at least this long between two request starts.
        retry_on_429: their tool retries a 429 (read and checked; loadspec reports it).
        max_retries: how often their tool retries.
        backoff_multiplier: how their tool's retry delay grows.
    """

    requests_per_second: float = 5.0
    max_concurrent: int = 3
    delay_ms: float = 200.0
    retry_on_429: bool = True
    max_retries: int = 3
    backoff_multiplier: float = 2.0

    @property
    def interval(self) -> float:
        """Seconds between two request starts: the stricter of the rate and the delay."""
        return max(1.0 / self.requests_per_second, self.delay_ms / 1000.0)

    @property
    def as_rate(self) -> str:
        """The limit as `N/s`, or `N/m` when no whole number per second says it exactly."""
        per_second = 1.0 / self.interval
        if per_second >= 1 and per_second.is_integer():
            return f"{int(per_second)}/s"
        return f"{max(1, math.floor(60.0 / self.interval))}/m"


@dataclass(frozen=True, slots=True)
class ApiValidationConfig:
    """What loadspec takes from the authors' configuration.

    Attributes:
        source: the folder or file it was read from.
        base_url: `baseUrl`, the API root the specs' paths are joined to.
        fallback_url: `fallbackUrl`, for `useFallback` / `useFallbackApi` steps.
        tokens: token type (or scheme) name -> token, placeholders and URLs left out.
        params: run variables that have a value.
        declared: params declared without a value (empty, or a `your-...` placeholder).
        params_file: the file the params came from, for messages.
        rate_limit: the `rateLimit` block, when there is one.
    """

    source: Path
    base_url: str | None = None
    fallback_url: str | None = None
    tokens: Mapping[TokenType, str] = field(default_factory=dict, repr=False)
    params: Mapping[str, str | int | float] = field(default_factory=dict)
    declared: frozenset[str] = frozenset()
    params_file: str = ""
    rate_limit: RateLimit | None = None

    @property
    def declared_in(self) -> dict[str, str]:
        """Each param declared without a value -> where, for messages."""
        return dict.fromkeys(self.declared, f"the params of {self.params_file}")


def load_api_validation_config(where: Path) -> ApiValidationConfig:
    """A folder (`default.json`, then `tokens.json` over it) or one file, checked."""
    merged: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for path in _files(where):
        data = _read(path)
        merged = _deep_merge(merged, data)
        origin.update(dict.fromkeys(data, str(path)))
    return _from_dict(merged, where, origin)


def _files(where: Path) -> list[Path]:
    flag = "--api-validation-config"
    if where.is_file():
        return [where]
    if not where.is_dir():
        raise ApiValidationError(f"{flag} {where}: no such file or folder")
    found = [where / name for name in _FILES if (where / name).is_file()]
    if not found:
        raise ApiValidationError(f"{flag} {where}: holds neither {' nor '.join(_FILES)}")
    return found


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ApiValidationError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ApiValidationError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ApiValidationError(
            f"{path}:{exc.lineno}: invalid JSON at column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise ApiValidationError(f"{path}: expected a JSON object at the top, found {_kind(data)}")
    return data


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Their `deepMerge`: objects merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and value:
            below = merged.get(key)
            merged[key] = _deep_merge(below if isinstance(below, dict) else {}, value)
        else:
            merged[key] = value
    return merged


def _from_dict(
    data: Mapping[str, Any], source: Path, origin: Mapping[str, str]
) -> ApiValidationConfig:
    def where(key: str) -> str:
        return origin.get(key, str(source))

    tokens = _tokens(_section(data, "tokens", where("tokens")), where("tokens"))
    params, declared = _params(_section(data, "params", where("params")), where("params"))
    block = data.get("rateLimit")
    return ApiValidationConfig(
        source=source,
        base_url=_url(data, "baseUrl", where("baseUrl")),
        fallback_url=_url(data, "fallbackUrl", where("fallbackUrl")),
        tokens=tokens,
        params=params,
        declared=declared,
        params_file=where("params"),
        rate_limit=None if block is None else _rate_limit(block, where("rateLimit")),
    )


def _section(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ApiValidationError(f"{where}: {key} must be an object, not {_kind(value)}")
    return value


def _url(data: Mapping[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _is_http(value):
        raise ApiValidationError(f"{where}: {key} {value!r} is not an http(s) URL")
    return value.rstrip("/")


def _is_http(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _tokens(section: Mapping[str, Any], where: str) -> dict[TokenType, str]:
    tokens: dict[TokenType, str] = {}
    for name, value in section.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise ApiValidationError(f"{where}: tokens.{name} must be text, not {_kind(value)}")
        # Any name is a token type (and a scheme's secret); their file also holds other
        # entries (e.g. `admin_url`): a URL is not a credential.
        if _is_url(str(name), value) or not value.strip() or _is_placeholder_token(value):
            continue
        tokens[TokenType(str(name).strip().lower())] = value.strip()
    return tokens


def _is_url(name: str, value: str) -> bool:
    return name.lower().endswith("_url") or "://" in value


def _is_placeholder_token(value: str) -> bool:
    return any(mark in value for mark in _TOKEN_PLACEHOLDER)


def _params(
    section: Mapping[str, Any], where: str
) -> tuple[dict[str, str | int | float], frozenset[str]]:
    params: dict[str, str | int | float] = {}
    declared: set[str] = set()
    for name, value in section.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float | type(None)):
            raise ApiValidationError(
                f"{where}: params.{name} must be text or a number, not {_kind(value)}"
            )
        if value is None or not str(value).strip() or _PLACEHOLDER in str(value):
            declared.add(str(name))
        else:
            params[str(name)] = value  # a number stays a number (a lone placeholder's type)
    return params, frozenset(declared)


@dataclass(frozen=True, slots=True)
class _Number:
    attribute: str
    minimum: float
    whole: bool = False
    exclusive: bool = False

    def check(self, key: str, value: Any, where: str) -> float | int:
        if isinstance(value, int | float) and not isinstance(value, bool) and self._fits(value):
            return int(value) if self.whole else float(value)
        kind = "a whole number" if self.whole else "a number"
        bound = f"{'more than' if self.exclusive else 'at least'} {self.minimum:g}"
        raise ApiValidationError(f"{where}: rateLimit.{key} must be {kind}, {bound}; got {value!r}")

    def _fits(self, number: float) -> bool:
        if not math.isfinite(number) or (self.whole and not float(number).is_integer()):
            return False
        return number > self.minimum if self.exclusive else number >= self.minimum


_RATE_NUMBERS = {
    "requestsPerSecond": _Number("requests_per_second", 0, exclusive=True),
    "maxConcurrent": _Number("max_concurrent", 1, whole=True),
    "delayBetweenRequests": _Number("delay_ms", 0),
    "maxRetries": _Number("max_retries", 0, whole=True),
    "backoffMultiplier": _Number("backoff_multiplier", 1),
}


def _rate_limit(block: Any, where: str) -> RateLimit:
    if not isinstance(block, dict):
        raise ApiValidationError(f"{where}: rateLimit must be an object, not {_kind(block)}")
    values: dict[str, Any] = {
        rule.attribute: rule.check(key, block[key], where)
        for key, rule in _RATE_NUMBERS.items()
        if key in block
    }
    if "retryOn429" in block:
        if not isinstance(block["retryOn429"], bool):
            raise ApiValidationError(f"{where}: rateLimit.retryOn429 must be true or false")
        values["retry_on_429"] = block["retryOn429"]
    return RateLimit(**values)


def _kind(value: object) -> str:
    # JSON has nothing else: what is not one of these is a number.
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false"}
    return names.get(type(value), "null" if value is None else "a number")
