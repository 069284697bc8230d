"""Plain data with lines -> the frozen model, collecting every problem on the way."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from loadspec.errors import Severity, did_you_mean
from loadspec.extract import JsonPathSyntaxError, compile_jsonpath
from loadspec.spec.loader import PREREQUISITES, TEST_REQUEST, RawSpec
from loadspec.spec.model import (
    Endpoint,
    Expect,
    FileField,
    HttpMethod,
    OnFail,
    Poll,
    PrerequisitesScope,
    Spec,
    Status,
    Step,
    TokenType,
    Wait,
)
from loadspec.spec.yamlmarks import Location

__all__ = ["FRONT_KEYS", "STEP_KEYS", "build_spec", "parse_endpoint"]

FRONT_KEYS = frozenset({
    "endpoint", "domain", "tags", "swagger", "status", "skipReason", "savedAt", "verifiedAt",
    "timesReused", "tokens", "useFallbackApi", "expectedOutcome", "expectedOutcomeReason",
    "requiresTestData", "testDataDescription", "weight", "prerequisitesScope",
})  # fmt: skip
STEP_KEYS = frozenset({
    "id", "description", "method", "path", "params", "body", "headers", "token", "extract",
    "expect", "onFail", "sleep", "x_on_behalf_of", "useFallback", "useFallbackApi",
    "content_type", "form_fields", "file_fields", "wait", "poll",
})  # fmt: skip
_CONTENT_TYPES = frozenset({"json", "multipart", "form"})
_NO_TOKEN = frozenset({"none", "anonymous"})

E = TypeVar("E", bound=enum.Enum)


def parse_endpoint(text: str) -> Endpoint | str:
    """`"POST /path"` as an Endpoint, or what is wrong with it."""
    parts = text.split()
    if len(parts) != 2:
        return f'endpoint {text!r} is not of the form "METHOD /path"'
    method, path = parts
    if method.upper() not in HttpMethod.__members__:
        return _unknown("HTTP method", method, HttpMethod.__members__)
    if not path.startswith("/"):
        return f"endpoint path {path!r} must start with '/'"
    return Endpoint(HttpMethod(method.upper()), path)


def build_spec(raw: RawSpec, path: Path) -> Spec | None:
    """The model of `raw`; problems are added to `raw.problems`; None when nothing usable."""
    return _Builder(raw).spec(path)


def _unknown(what: str, found: str, choices: Any) -> str:
    names = [str(c) for c in choices]
    hint = did_you_mean(found, names, cutoff=0.6)
    suffix = f"; did you mean {hint!r}?" if hint else f" (expected one of: {', '.join(names)})"
    return f"unknown {what} {found!r}{suffix}"


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", bool: "true/false", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")


class _Builder:
    """Walks one raw spec, building model objects and recording problems with lines."""

    def __init__(self, raw: RawSpec) -> None:
        self.raw = raw
        self.step_ids: dict[str, int] = {}

    def error(self, location: Location, message: str) -> None:
        self.raw.problem(location, message)

    def warn(self, location: Location, message: str) -> None:
        self.raw.problem(location, message, Severity.WARNING)

    def spec(self, path: Path) -> Spec | None:
        front = self.raw.front
        if "front" in self.raw.broken or (front is None and self.raw.problems):
            return None
        if not isinstance(front, Mapping):
            self.error((), f"front matter must be a mapping of keys, found {_kind(front)}")
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
            self.error(("endpoint",), f'endpoint must be "METHOD /path" text, found {_kind(value)}')
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

    # --- typed values ---------------------------------------------------------------------

    def unknown_key(self, what: str, key: str, known: frozenset[str]) -> str:
        hint = did_you_mean(key, known, cutoff=0.6)
        suffix = f" (did you mean {hint!r}?)" if hint else ""
        return f"unknown {what} {key!r}{suffix}; kept as written"

    def enum(self, location: Location, value: Any, kind: type[E], what: str) -> E | None:
        if isinstance(value, str):
            try:
                return kind(value.strip().lower())
            except ValueError:
                pass
        self.error(location, _unknown(what, str(value), [m.value for m in kind]))
        return None

    def text(self, location: Location, value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
        self.error(location, f"{location[-1]} must be text, found {_kind(value)}")
        return None

    def text_list(self, location: Location, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return (value,)
        if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
            return tuple(str(v) for v in value)
        self.error(location, f"{location[-1]} must be a list of names, found {_kind(value)}")
        return ()

    def flag(self, location: Location, value: Any) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        self.error(location, f"{location[-1]} must be true or false, found {value!r}")
        return False

    def mapping(self, location: Location, value: Any, what: str) -> Mapping[str, Any]:
        if value is None:
            return {}
        if isinstance(value, Mapping):
            return value
        self.error(location, f"{what} must be a mapping, found {_kind(value)}")
        return {}

    def millis(self, location: Location, value: Any, default: float) -> float:
        if value is None:
            return default
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        what = ".".join(str(k) for k in location[-2:] if isinstance(k, str))
        self.error(
            location, f"{what} must be a non-negative number of milliseconds, found {value!r}"
        )
        return default

    # --- steps ----------------------------------------------------------------------------

    def steps(self, section: str) -> tuple[Step, ...]:
        if section not in self.raw.blocks or section in self.raw.broken:
            return ()
        block = self.raw.blocks[section]
        location: Location = (section,)
        if not isinstance(block, Mapping) or "steps" not in block:
            self.error(
                location, f"the yaml block must be a mapping with 'steps:', found {_kind(block)}"
            )
            return ()
        for key in block:
            if key != "steps":
                self.warn((section, key), self.unknown_key("block key", key, frozenset({"steps"})))
        steps = block["steps"]
        if not isinstance(steps, list):
            self.error((section, "steps"), f"steps must be a list of steps, found {_kind(steps)}")
            return ()
        built = (self.step((section, "steps", i), s) for i, s in enumerate(steps))
        return tuple(s for s in built if s is not None)

    def step(self, location: Location, value: Any) -> Step | None:
        if not isinstance(value, Mapping):
            self.error(location, f"a step must be a mapping, found {_kind(value)}")
            return None
        for key in value:
            if key not in STEP_KEYS:
                self.warn((*location, key), self.unknown_key("step key", key, STEP_KEYS))
        step_id = self.step_id(location, value.get("id"))
        wait = self.wait((*location, "wait"), value.get("wait"))
        method, path = self.request(location, value, is_wait=wait is not None)
        if step_id is None or (wait is None and (method is None or path is None)):
            self.excuse(value.get("extract"))
            return None
        get = value.get

        def at(key: str) -> Location:
            return (*location, key)

        # Absent keys take the model's defaults without a call: this runs for every step.
        return Step(
            id=step_id,
            method=method,
            path=path,
            description=self.text(at("description"), get("description")),
            params=self.params(at("params"), get("params")) if "params" in value else {},
            body=get("body"),
            headers=self.mapping(at("headers"), get("headers"), "headers")
            if "headers" in value
            else {},
            token=self.token(at("token"), value),
            extract=self.extract(at("extract"), get("extract")) if "extract" in value else {},
            expect=self.expect(at("expect"), get("expect")) if "expect" in value else Expect(),
            on_fail=self.enum(at("onFail"), get("onFail"), OnFail, "onFail") or OnFail.ABORT
            if "onFail" in value
            else OnFail.ABORT,
            sleep_ms=self.millis(at("sleep"), get("sleep"), 0.0),
            x_on_behalf_of=self.text(at("x_on_behalf_of"), get("x_on_behalf_of")),
            use_fallback=self.flag(at("useFallback"), get("useFallback", get("useFallbackApi"))),
            content_type=self.content_type(at("content_type"), value)
            if "content_type" in value
            else "json",
            form_fields=self.mapping(at("form_fields"), get("form_fields"), "form_fields"),
            file_fields=self.file_fields(at("file_fields"), get("file_fields")),
            wait=wait,
            poll=self.poll(at("poll"), get("poll")),
            extra={k: v for k, v in value.items() if k not in STEP_KEYS},
            line=self.raw.source.line(location),
            location=location,
        )

    def excuse(self, extract: Any) -> None:
        """Names a broken step would extract: later uses are not reported again."""
        if isinstance(extract, Mapping):
            self.raw.excused.update(str(name) for name in extract)

    def step_id(self, location: Location, value: Any) -> str | None:
        if value is None:
            self.error(location, "step has no id")
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            self.error((*location, "id"), f"step id must be text, found {_kind(value)}")
            return None
        step_id, line = str(value), self.raw.source.line((*location, "id"))
        if step_id in self.step_ids:
            self.error(
                (*location, "id"),
                f"duplicate step id {step_id!r} (first at line {self.step_ids[step_id]})",
            )
            return None
        self.step_ids[step_id] = line
        return step_id

    def request(
        self, location: Location, value: Mapping[str, Any], *, is_wait: bool
    ) -> tuple[HttpMethod | None, str | None]:
        raw_method, raw_path = value.get("method"), value.get("path")
        if is_wait and raw_method is None and raw_path is None:
            return None, None
        method = None
        if raw_method is None:
            self.error(location, "step has no method")
        elif not isinstance(raw_method, str) or raw_method.upper() not in HttpMethod.__members__:
            self.error(
                (*location, "method"),
                _unknown("HTTP method", str(raw_method), HttpMethod.__members__),
            )
        else:
            method = HttpMethod(raw_method.upper())
        path = None
        if raw_path is None:
            self.error(location, "step has no path")
        elif not isinstance(raw_path, str) or not raw_path.startswith(("/", "{{")):
            self.error(
                (*location, "path"), f"path must be text starting with '/', found {raw_path!r}"
            )
        else:
            path = raw_path
        return method, path

    def params(self, location: Location, value: Any) -> Mapping[str, Any]:
        params = self.mapping(location, value, "params")
        for key, item in params.items():
            if isinstance(item, Mapping):
                self.error(
                    (*location, key),
                    f"query parameter {key!r} must be a value or a list of values, found a mapping",
                )
        return params

    def token(self, location: Location, value: Mapping[str, Any]) -> TokenType | None:
        if "token" not in value:
            return TokenType.STAFF
        raw = value["token"]
        if raw is None or raw is False or (isinstance(raw, str) and raw.lower() in _NO_TOKEN):
            return None
        return self.enum(location, raw, TokenType, "token type")

    def extract(self, location: Location, value: Any) -> Mapping[str, str]:
        extract = self.mapping(location, value, "extract")
        good: dict[str, str] = {}
        for name, expression in extract.items():
            where = (*location, name)
            if not isinstance(expression, str):
                self.error(
                    where, f"extract {name!r} must be a JSONPath text, found {_kind(expression)}"
                )
                continue
            try:
                compile_jsonpath(expression)
            except JsonPathSyntaxError as exc:
                self.error(where, f"extract {name!r}: {exc}")
                self.excuse({name: expression})
                continue
            good[name] = expression
        return good

    def expect(self, location: Location, value: Any) -> Expect:
        expect = self.mapping(location, value, "expect")
        for key in expect:
            if key != "status":
                self.warn(
                    (*location, key), self.unknown_key("expect key", key, frozenset({"status"}))
                )
        status = expect.get("status", 200)
        codes = status if isinstance(status, list) else [status]
        if codes and all(_is_status(c) for c in codes):
            return Expect(tuple(codes))
        self.error(
            (*location, "status"),
            f"expect status must be an HTTP status (100..599) or a list of them, found {status!r}",
        )
        return Expect()

    def file_fields(self, location: Location, value: Any) -> tuple[FileField, ...]:
        if isinstance(value, Mapping):
            return tuple(FileField(str(k), str(v)) for k, v in value.items())
        entries = value if isinstance(value, list) else [] if value is None else None
        if entries is None or not all(
            isinstance(e, Mapping) and {"field_name", "file_path"} <= e.keys() for e in entries
        ):
            self.error(
                location,
                "file_fields must map field names to files, or list entries "
                "with field_name and file_path",
            )
            return ()
        return tuple(
            FileField(
                str(e["field_name"]), str(e["file_path"]), e.get("filename"), e.get("content_type")
            )
            for e in entries
        )

    def content_type(self, location: Location, value: Mapping[str, Any]) -> str:
        raw = value.get("content_type", "json")
        if isinstance(raw, str) and (raw.lower() in _CONTENT_TYPES or "/" in raw):
            return raw.lower()
        self.error(location, _unknown("content_type", str(raw), sorted(_CONTENT_TYPES)))
        return "json"

    def wait(self, location: Location, value: Any) -> Wait | None:
        if value is None:
            return None
        wait = self.mapping(location, value, "wait")
        callback = wait.get("callback")
        if not isinstance(callback, str) or not callback:
            self.error(
                location,
                "wait needs 'callback': the template callbacks are matched by, "
                'e.g. "{{channel_uid}}"',
            )
            return None
        for key in wait:
            if key not in {"callback", "event", "timeout"}:
                self.warn(
                    (*location, key),
                    self.unknown_key("wait key", key, frozenset({"callback", "event", "timeout"})),
                )
        event = self.text((*location, "event"), wait.get("event"))
        return Wait(
            callback, event, self.millis((*location, "timeout"), wait.get("timeout"), 30_000.0)
        )

    def poll(self, location: Location, value: Any) -> Poll | None:
        if value is None:
            return None
        poll = self.mapping(location, value, "poll")
        until = poll.get("until")
        try:
            compile_jsonpath(until) if isinstance(until, str) else None
        except JsonPathSyntaxError as exc:
            self.error((*location, "until"), f"poll until: {exc}")
            return None
        if not isinstance(until, str):
            self.error(location, "poll needs 'until': a JSONPath into the response body")
            return None
        return Poll(
            until=until,
            equals=poll.get("equals"),
            interval_ms=self.millis((*location, "interval"), poll.get("interval"), 500.0),
            timeout_ms=self.millis((*location, "timeout"), poll.get("timeout"), 30_000.0),
        )


def _is_status(code: Any) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599
