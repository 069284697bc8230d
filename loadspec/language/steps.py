"""The steps of a spec's yaml blocks, read into the model."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loadspec.language.loader import RawSpec
from loadspec.language.model import (
    Expect,
    FileField,
    HttpMethod,
    OnFail,
    Poll,
    Step,
    TokenType,
    Wait,
)
from loadspec.language.sourcemap import Location
from loadspec.language.values import ValueReader, kind_of, unknown
from loadspec.templating.extract import JsonPathSyntaxError, compile_jsonpath

__all__ = ["STEP_KEYS", "StepReader"]

STEP_KEYS = frozenset({
    "id", "description", "method", "path", "params", "body", "headers", "token", "extract",
    "expect", "onFail", "sleep", "x_on_behalf_of", "useFallback", "useFallbackApi",
    "content_type", "form_fields", "file_fields", "wait", "poll",
})  # fmt: skip
_CONTENT_TYPES = frozenset({"json", "multipart", "form"})
_NO_TOKEN = frozenset({"none", "anonymous"})


class StepReader(ValueReader):
    """Reads `steps:` lists; step ids are unique across the spec's two blocks."""

    def __init__(self, raw: RawSpec) -> None:
        super().__init__(raw)
        self.step_ids: dict[str, int] = {}

    def steps(self, section: str) -> tuple[Step, ...]:
        if section not in self.raw.blocks or section in self.raw.broken:
            return ()
        block = self.raw.blocks[section]
        location: Location = (section,)
        if not isinstance(block, Mapping) or "steps" not in block:
            self.error(
                location, f"the yaml block must be a mapping with 'steps:', found {kind_of(block)}"
            )
            return ()
        for key in block:
            if key != "steps":
                self.warn((section, key), self.unknown_key("block key", key, frozenset({"steps"})))
        steps = block["steps"]
        if not isinstance(steps, list):
            self.error((section, "steps"), f"steps must be a list of steps, found {kind_of(steps)}")
            return ()
        built = (self.step((section, "steps", i), s) for i, s in enumerate(steps))
        return tuple(s for s in built if s is not None)

    def step(self, location: Location, value: Any) -> Step | None:
        if not isinstance(value, Mapping):
            self.error(location, f"a step must be a mapping, found {kind_of(value)}")
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
            self.error((*location, "id"), f"step id must be text, found {kind_of(value)}")
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
                unknown("HTTP method", str(raw_method), HttpMethod.__members__),
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
                    where, f"extract {name!r} must be a JSONPath text, found {kind_of(expression)}"
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
        self.error(location, unknown("content_type", str(raw), sorted(_CONTENT_TYPES)))
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
