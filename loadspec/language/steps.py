"""The steps of a spec's yaml blocks, read into the model."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadspec.errors import did_you_mean
from loadspec.files import MAX_UPLOAD_BYTES, SpecFiles
from loadspec.language.loader import RawSpec
from loadspec.language.model import (
    AUTHORS_TOKEN_TYPES,
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
from loadspec.security import TOKEN_PREFIX, env_name
from loadspec.templating.extract import JsonPathSyntaxError, compile_jsonpath

__all__ = ["STEP_KEYS", "StepReader"]

STEP_KEYS = frozenset({
    "id", "description", "method", "path", "params", "body", "headers", "token", "extract",
    "expect", "onFail", "sleep", "x_on_behalf_of", "useFallback", "useFallbackApi", "absoluteUrl",
    "content_type", "form_fields", "file_fields", "wait", "poll", "skipReason",
})  # fmt: skip
_CONTENT_TYPES = frozenset({"json", "multipart", "form"})
_NO_TOKEN = frozenset({"none", "anonymous"})
_TOKEN_NAME = re.compile(r"[a-z][a-z0-9_-]*")
_METHODS = {method.name: method for method in HttpMethod}
_WAIT_KEYS = frozenset({"callback", "event", "timeout", "match"})
_KEY_PATH = "$.data.uid"  # what the listener routes callbacks by: a match on it is the key
# `x_on_behalf_of: true` (the source system's form) sends the configured business uid.
ON_BEHALF_OF_BUSINESS = "{{business_uid}}"


class StepReader(ValueReader):
    """Reads `steps:` lists; step ids are unique within each block (the source system uses
    them only in logs, and repeats them across Prerequisites and Test Request)."""

    def __init__(self, raw: RawSpec, path: Path, files: SpecFiles) -> None:
        super().__init__(raw)
        self.step_ids: dict[tuple[str | int, str], int] = {}
        self.folder = path.parent  # where file_fields paths start
        self.files = files
        # The spec's own choice for steps without `token:` (front `token:`, or `tokens: []`).
        self.spec_token: TokenType | None = TokenType.STAFF
        self.spec_names_token = False

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
        def at(key: str) -> Location:
            return (*location, key)

        if not isinstance(value, Mapping):
            self.error(location, f"a step must be a mapping, found {kind_of(value)}")
            return None
        for key in value:
            if key not in STEP_KEYS:
                self.warn((*location, key), self.unknown_key("step key", key, STEP_KEYS))
        step_id = self.step_id(location, value.get("id"))
        named = "token" in value or self.spec_names_token
        token = self.token(at("token"), value["token"]) if "token" in value else self.spec_token
        wait = self.wait((*location, "wait"), value.get("wait"))
        method, path = self.request(location, value, is_wait=wait is not None)
        if step_id is None or (wait is None and (method is None or path is None)):
            self.excuse(value.get("extract"))
            return None
        get = value.get
        # Absent keys take the model's defaults without a call: this runs for every step.
        return Step(
            id=step_id,
            method=method,
            path=path,
            description=self.text(at("description"), get("description"))
            if "description" in value
            else None,
            params=self.params(at("params"), get("params")) if "params" in value else {},
            body=get("body"),
            headers=self.mapping(at("headers"), get("headers"), "headers")
            if "headers" in value
            else {},
            token=token,
            token_named=named,
            extract=self.extract(at("extract"), get("extract")) if "extract" in value else {},
            expect=self.expect(at("expect"), get("expect")) if "expect" in value else Expect(),
            on_fail=self.enum(at("onFail"), get("onFail"), OnFail, "onFail") or OnFail.ABORT
            if "onFail" in value
            else OnFail.ABORT,
            sleep_ms=self.millis(at("sleep"), get("sleep"), 0.0) if "sleep" in value else 0.0,
            x_on_behalf_of=self.on_behalf_of(at("x_on_behalf_of"), get("x_on_behalf_of"), token)
            if "x_on_behalf_of" in value
            else None,
            use_fallback=self.flag(at("useFallback"), get("useFallback", get("useFallbackApi")))
            if "useFallback" in value or "useFallbackApi" in value
            else False,
            absolute_url=self.flag(at("absoluteUrl"), get("absoluteUrl"))
            if "absoluteUrl" in value
            else False,
            content_type=self.content_type(at("content_type"), value)
            if "content_type" in value
            else "json",
            form_fields=self.mapping(at("form_fields"), get("form_fields"), "form_fields")
            if "form_fields" in value
            else {},
            file_fields=self.file_fields(at("file_fields"), get("file_fields"))
            if "file_fields" in value
            else (),
            wait=wait,
            poll=self.poll(at("poll"), get("poll")) if "poll" in value else None,
            skip_reason=self.text(at("skipReason"), get("skipReason"))
            if "skipReason" in value
            else None,
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
        key = (location[0], step_id)
        if key in self.step_ids:
            self.error(
                (*location, "id"),
                f"duplicate step id {step_id!r} in this section "
                f"(first at line {self.step_ids[key]})",
            )
            return None
        self.step_ids[key] = line
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
        elif not isinstance(raw_method, str) or raw_method.upper() not in _METHODS:
            self.error(
                (*location, "method"),
                unknown("HTTP method", str(raw_method), HttpMethod.__members__),
            )
        else:
            method = _METHODS[raw_method.upper()]
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

    def token(self, location: Location, raw: Any) -> TokenType | None:
        """A token type by name: the authors' or any other (`LOADSPEC_TOKEN_<NAME>`)."""
        if raw is None or raw is False or (isinstance(raw, str) and raw.lower() in _NO_TOKEN):
            return None
        name = raw.strip().lower() if isinstance(raw, str) else ""
        if not _TOKEN_NAME.fullmatch(name):
            self.error(
                location,
                f"token type must be a name (letters, digits, _ or -), or none; found {raw!r}",
            )
            return None
        near = did_you_mean(name, AUTHORS_TOKEN_TYPES, cutoff=0.8)
        if name not in AUTHORS_TOKEN_TYPES and near is not None:
            self.warn(
                location,
                f"token type {name!r} is none of the authors' (did you mean {near!r}?); "
                f"it is sent from {env_name(TOKEN_PREFIX, name)}",
            )
        return TokenType(name)

    def on_behalf_of(self, location: Location, value: Any, token: TokenType | None) -> str | None:
        """The `X-On-Behalf-Of` template: text as written; `true` the business uid."""
        if value is False or value is None:
            return None
        if value is not True:
            return self.text(location, value)
        if token != TokenType.DIRECTORY:
            self.warn(
                location,
                "x_on_behalf_of: true sends X-On-Behalf-Of only with a directory token "
                "(as the source system does); this step's token is "
                f"{token.value if token else 'none'}, so nothing is sent",
            )
            return None
        return ON_BEHALF_OF_BUSINESS

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
            for name, where in value.items():
                self.sent_file((*location, name), where)
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
        for index, entry in enumerate(entries):
            self.sent_file((*location, index, "file_path"), entry["file_path"])
        return tuple(
            FileField(
                str(e["field_name"]), str(e["file_path"]), e.get("filename"), e.get("content_type")
            )
            for e in entries
        )

    def sent_file(self, location: Location, value: Any) -> None:
        """A file_fields file: a regular file in the spec tree, of at most MAX_UPLOAD_BYTES (one
        missing is the step's failure when it runs, as the source system's tool has it)."""
        path = self.folder / str(value)
        why = self.files.refusal(path)
        if why is None and path.is_file() and path.stat().st_size > MAX_UPLOAD_BYTES:
            why = f"it holds more than {MAX_UPLOAD_BYTES // 2**20} MiB, the most file_fields sends"
        if why is not None:
            self.error(location, f"file_fields file {str(value)!r} cannot be sent: {why}")

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
        match = self.wait_match((*location, "match"), wait.get("match"))
        callback = wait.get("callback", match.get(_KEY_PATH))
        if not isinstance(callback, str) or not callback:
            self.error(
                location,
                "wait needs 'callback': the template callbacks are matched by, "
                f'e.g. "{{{{channel_uid}}}}" (or match: {{"{_KEY_PATH}": ...}})',
            )
            return None
        for key in wait:
            if key not in _WAIT_KEYS:
                self.warn((*location, key), self.unknown_key("wait key", key, _WAIT_KEYS))
        event = self.text((*location, "event"), wait.get("event"))
        timeout = self.millis((*location, "timeout"), wait.get("timeout"), 30_000.0)
        return Wait(callback, event, timeout, match)

    def wait_match(self, location: Location, value: Any) -> dict[str, Any]:
        """`match: {JSONPath: value}`: each path compiles, each value is a scalar."""
        if value is None:
            return {}
        found: dict[str, Any] = {}
        for path, expected in self.mapping(location, value, "wait match").items():
            here = (*location, str(path))
            try:
                compile_jsonpath(str(path))
            except JsonPathSyntaxError as exc:
                self.error(here, f"match: {exc}")
                continue
            if isinstance(expected, (dict, list)):
                found_kind = kind_of(expected)
                self.error(here, f"match {path!r}: expected a single value, found {found_kind}")
                continue
            found[str(path)] = expected
        return found

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
