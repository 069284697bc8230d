"""Plain data with lines -> the frozen model, collecting every problem on the way."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadspec.language.loader import PREREQUISITES, TEST_REQUEST, RawSpec
from loadspec.language.model import (
    Endpoint,
    HttpMethod,
    PrerequisitesScope,
    Spec,
    Status,
    TokenType,
)
from loadspec.language.steps import STEP_KEYS, StepReader
from loadspec.language.values import kind_of, unknown

__all__ = ["FRONT_KEYS", "STEP_KEYS", "build_spec", "parse_endpoint"]

FRONT_KEYS = frozenset({
    "endpoint", "domain", "tags", "swagger", "status", "skipReason", "savedAt", "verifiedAt",
    "timesReused", "tokens", "useFallbackApi", "expectedOutcome", "expectedOutcomeReason",
    "requiresTestData", "testDataDescription", "weight", "prerequisitesScope",
})  # fmt: skip


def parse_endpoint(text: str) -> Endpoint | str:
    """`"POST /path"` as an Endpoint, or what is wrong with it."""
    parts = text.split()
    if len(parts) != 2:
        return f'endpoint {text!r} is not of the form "METHOD /path"'
    method, path = parts
    if method.upper() not in HttpMethod.__members__:
        return unknown("HTTP method", method, HttpMethod.__members__)
    if not path.startswith("/"):
        return f"endpoint path {path!r} must start with '/'"
    return Endpoint(HttpMethod(method.upper()), path)


def build_spec(raw: RawSpec, path: Path) -> Spec | None:
    """The model of `raw`; problems are added to `raw.problems`; None when nothing usable."""
    return _Builder(raw).spec(path)


class _Builder(StepReader):
    """Walks one raw spec, building model objects and recording problems with lines."""

    def spec(self, path: Path) -> Spec | None:
        front = self.raw.front
        if "front" in self.raw.broken or (front is None and self.raw.problems):
            return None
        if not isinstance(front, Mapping):
            self.error((), f"front matter must be a mapping of keys, found {kind_of(front)}")
            return None
        endpoint = self.endpoint(front)
        prerequisites = self.steps(PREREQUISITES)
        test_request = self.steps(TEST_REQUEST)
        for key in front:
            if key not in FRONT_KEYS:
                self.warn((key,), self.unknown_key("front matter key", key, FRONT_KEYS))
        status = self.enum((("status",)), front.get("status", "verified"), Status, "status")
        skip_reason = self.text(("skipReason",), front.get("skipReason"))
        if status is not None and not status.runs_by_default and not skip_reason:
            self.warn(("status",), f"status {status.value!r} without a skipReason")
        if endpoint is None or status is None:
            return None
        return Spec(
            path=path,
            endpoint=endpoint,
            title=self.raw.title,
            domain=self.text(("domain",), front.get("domain")),
            tags=self.text_list(("tags",), front.get("tags")),
            swagger=self.text(("swagger",), front.get("swagger")),
            status=status,
            skip_reason=skip_reason,
            tokens=self.tokens(front.get("tokens")),
            use_fallback_api=self.flag(("useFallbackApi",), front.get("useFallbackApi")),
            weight=self.weight(front.get("weight", 1)),
            prerequisites_scope=self.enum(
                ("prerequisitesScope",),
                front.get("prerequisitesScope", "user"),
                PrerequisitesScope,
                "prerequisitesScope",
            )
            or PrerequisitesScope.USER,
            prerequisites=prerequisites,
            test_request=test_request,
            meta=dict(front),
            source=self.raw.source,
        )

    # --- front matter ---------------------------------------------------------------------

    def endpoint(self, front: Mapping[str, Any]) -> Endpoint | None:
        value = front.get("endpoint")
        if value is None:
            self.error((), 'front matter has no endpoint (expected endpoint: "METHOD /path")')
            return None
        if not isinstance(value, str):
            self.error(
                ("endpoint",), f'endpoint must be "METHOD /path" text, found {kind_of(value)}'
            )
            return None
        parsed = parse_endpoint(value)
        if isinstance(parsed, str):
            self.error(("endpoint",), parsed)
            return None
        return parsed

    def tokens(self, value: Any) -> tuple[TokenType, ...]:
        names = self.text_list(("tokens",), value)
        found = (self.enum(("tokens", i), n, TokenType, "token type") for i, n in enumerate(names))
        return tuple(t for t in found if t is not None)

    def weight(self, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.error(("weight",), f"weight must be a whole number >= 1, found {value!r}")
        return 1
