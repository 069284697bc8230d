"""Plain data with lines -> the frozen model, collecting every problem on the way."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadspec.files import SpecFiles
from loadspec.language.data import read_data
from loadspec.language.loader import PREREQUISITES, TEST_REQUEST, RawSpec
from loadspec.language.model import (
    Endpoint,
    HttpMethod,
    PrerequisitesScope,
    Spec,
    Status,
    Step,
    TestRequestSteps,
    TokenType,
)
from loadspec.language.pace import read_pace
from loadspec.language.steps import STEP_KEYS, StepReader
from loadspec.language.values import kind_of, unknown

__all__ = ["FRONT_KEYS", "STEP_KEYS", "build_spec", "parse_endpoint"]

FRONT_KEYS = frozenset({
    "endpoint", "domain", "tags", "swagger", "status", "skipReason", "savedAt", "verifiedAt",
    "timesReused", "tokens", "useFallbackApi", "expectedOutcome", "expectedOutcomeReason",
    "requiresTestData", "testDataDescription", "skip_reason", "weight", "prerequisitesScope",
    "testRequestSteps", "prerequisitesRerunOn", "thinkTime", "pacing", "rate", "data", "token",
})  # fmt: skip
# Where the source system's authors write why a spec is skipped, most explicit first; the
# summary's "User-approved skip:" line is read by the loader, in its place in this order.
_REASON_KEYS = ("skipReason", "skip_reason")
_METHODS = {method.name: method for method in HttpMethod}


def parse_endpoint(text: str) -> Endpoint | str:
    """`"POST /path"` as an Endpoint, or what is wrong with it."""
    parts = text.split()
    if len(parts) != 2:
        return f'endpoint {text!r} is not of the form "METHOD /path"'
    method, path = parts
    known = _METHODS.get(method.upper())
    if known is None:
        return unknown("HTTP method", method, HttpMethod.__members__)
    if not path.startswith("/"):
        return f"endpoint path {path!r} must start with '/'"
    return Endpoint(known, path)


def build_spec(raw: RawSpec, path: Path, files: SpecFiles | None = None) -> Spec | None:
    """The model of `raw`; problems are added to `raw.problems`; None when nothing usable.

    `files`: where the files it names may be (default: the spec's own tree).
    """
    return _Builder(raw, path, files or SpecFiles.of([path])).spec(path)


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
        self.spec_default_token(front)
        prerequisites = self.steps(PREREQUISITES)
        mode = self.test_request_steps(front)
        test_request, unrun = self.split_test_request(self.steps(TEST_REQUEST), mode)
        for key in front:
            if key not in FRONT_KEYS:
                self.warn((key,), self.unknown_key("front matter key", key, FRONT_KEYS))
        status = self.enum((("status",)), front.get("status", "verified"), Status, "status")
        skip_reason = self.skip_reason(front, status)
        if status is not None and not status.runs_by_default and not skip_reason:
            self.warn(
                ("status",),
                f"status {status.value!r} without a skipReason (nor skip_reason, a "
                "'User-approved skip:' line in the Summary, or expectedOutcomeReason)",
            )
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
            prerequisites_rerun_on=self.rerun_on(front.get("prerequisitesRerunOn", [404, 409])),
            prerequisites=prerequisites,
            test_request=test_request,
            test_request_steps=mode,
            unrun=unrun,
            pace=read_pace(self, front),
            data=read_data(self, front, path, self.files),
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

    def skip_reason(self, front: Mapping[str, Any], status: Status | None) -> str | None:
        for key in _REASON_KEYS:
            if reason := self.text((key,), front.get(key)):
                return reason
        if status is None or status.runs_by_default:
            return None  # the prose below explains a skip only where there is one
        if self.raw.summary_skip:
            return self.raw.summary_skip
        return self.text(("expectedOutcomeReason",), front.get("expectedOutcomeReason"))

    def test_request_steps(self, front: Mapping[str, Any]) -> TestRequestSteps:
        if "testRequestSteps" not in front:
            return TestRequestSteps.FIRST
        where, value = ("testRequestSteps",), front["testRequestSteps"]
        return self.enum(where, value, TestRequestSteps, "testRequestSteps") or (
            TestRequestSteps.FIRST
        )

    def split_test_request(
        self, steps: tuple[Step, ...], mode: TestRequestSteps
    ) -> tuple[tuple[Step, ...], tuple[Step, ...]]:
        """The steps that run, and those kept but not run (after the first, by default)."""
        if mode is TestRequestSteps.ALL or len(steps) < 2:
            return steps, ()
        self.warn(
            steps[1].location,
            f"only the Test Request's first step runs, as in the source system: the "
            f"{len(steps) - 1} after it do not (`testRequestSteps: all` runs them all, in order)",
        )
        return steps[:1], steps[1:]

    def tokens(self, value: Any) -> tuple[TokenType, ...]:
        names = self.text_list(("tokens",), value)
        found = (self.token(("tokens", i), n) for i, n in enumerate(names))
        return tuple(t for t in found if t is not None)

    def spec_default_token(self, front: Mapping[str, Any]) -> None:
        """Front `token:` (ours) is every step's without one; `tokens: []` means none."""
        if "token" in front:
            self.spec_token = self.token(("token",), front["token"])
            self.spec_names_token = True
        elif front.get("tokens", None) == []:
            self.spec_token, self.spec_names_token = None, True

    def rerun_on(self, value: Any) -> tuple[int, ...]:
        codes = value if isinstance(value, list) else [value]
        if all(isinstance(c, int) and not isinstance(c, bool) and 400 <= c <= 599 for c in codes):
            return tuple(codes)
        self.error(
            ("prerequisitesRerunOn",),
            f"prerequisitesRerunOn must be a list of HTTP error statuses (400..599), "
            f"found {value!r}",
        )
        return (404, 409)

    def weight(self, value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return value
        self.error(("weight",), f"weight must be a whole number >= 1, found {value!r}")
        return 1
