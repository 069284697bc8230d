"""`{{name}}` templates, the built-in values, and the context they render from."""

from __future__ import annotations

import calendar
import functools
import itertools
import os
import random
import re
import secrets
import string
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from loadspec.errors import TemplateError

__all__ = [
    "BUILTINS",
    "SOURCE_BUILTINS",
    "SOURCE_CONFIG_NAMES",
    "Compiled",
    "RenderContext",
    "RenderError",
    "Template",
    "TemplateSyntaxError",
    "as_text",
    "compile_value",
    "fresh_unique_id",
    "is_constant",
    "parse_template",
    "template_names",
]

_OPEN, _CLOSE = "{{", "}}"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*\Z")


class TemplateSyntaxError(TemplateError):
    """A template string that cannot be parsed (unclosed `{{`, a bad name)."""


class RenderError(TemplateError):
    """A template names something the render context does not have."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"template name {name!r} has no value: not extracted by an earlier step nor built "
            f"in; give it as a run variable (--var {name}=... or LOADSPEC_VAR_{name.upper()})"
        )


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and names, alternating.

    Attributes:
        parts: literal strings and `_Name` placeholders in order.
        whole: the name when the text is exactly one placeholder (its value keeps its type).
        names: every name the template uses, in order.
        pattern: the literal text with a `%s` for each name (`%` doubled), rendered with `%`.
    """

    parts: tuple[str | _Name, ...]
    whole: str | None
    names: tuple[str, ...] = ()
    pattern: str = ""

    def render(self, context: Mapping[str, Any]) -> Any:
        """The rendered value: the named value itself when `whole`, else a string."""
        if self.whole is not None:
            return _lookup(context, self.whole)
        try:
            return self.pattern % tuple([as_text(context[name]) for name in self.names])
        except KeyError:
            raise RenderError(next(n for n in self.names if n not in context)) from None

    def renderer(self) -> Compiled:
        """`render` as the quickest function for this template's shape (same results)."""
        if self.whole is not None or len(self.names) != 1:
            return self.render
        pattern, (name,) = self.pattern, self.names

        def render_one(context: Mapping[str, Any]) -> str:
            try:
                value = context[name]
            except KeyError:
                raise RenderError(name) from None
            return pattern % (value if type(value) is str else as_text(value))

        return render_one


@dataclass(frozen=True, slots=True)
class _Name:
    name: str


@functools.lru_cache(maxsize=8192)
def parse_template(text: str) -> Template:
    """Parse `text`; raises `TemplateSyntaxError` for an unclosed `{{` or a bad name.

    Templates are immutable and specs repeat theirs ("{{business_id}}" in file after file),
    so each distinct text is parsed once.
    """
    parts: list[str | _Name] = []
    position = 0
    while (start := text.find(_OPEN, position)) != -1:
        end = text.find(_CLOSE, start + 2)
        if end == -1:
            raise TemplateSyntaxError(f"unclosed '{{{{' at character {start + 1} of {text!r}")
        name = text[start + 2 : end].strip()
        if not _NAME.match(name):
            raise TemplateSyntaxError(f"{{{{{name}}}}} is not a template name in {text!r}")
        if start > position:
            parts.append(text[position:start])
        parts.append(_Name(name))
        position = end + 2
    if position < len(text):
        parts.append(text[position:])
    whole = parts[0].name if len(parts) == 1 and isinstance(parts[0], _Name) else None
    names = tuple(p.name for p in parts if isinstance(p, _Name))
    pattern = "".join("%s" if isinstance(p, _Name) else p.replace("%", "%%") for p in parts)
    return Template(tuple(parts), whole, names, pattern)


def template_names(value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """(location, name) of every placeholder in a nested value; syntax errors raise."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), value)]
    while stack:
        location, item = stack.pop()
        if isinstance(item, str):
            if _OPEN in item:
                for name in parse_template(item).names:
                    yield location, name
        elif isinstance(item, Mapping):
            stack.extend(((*location, k), v) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend(((*location, i), v) for i, v in reversed(list(enumerate(item))))


Compiled = Callable[[Mapping[str, Any]], Any]


def compile_value(value: Any, then: Callable[[Any], Any] | None = None) -> Compiled:
    """A function rendering `value` from a context; parts without templates are built once.

    `then` finishes every rendered value (e.g. `as_text`); a constant is finished once, here.
    """
    function = _compile(value)
    if then is None:
        return function
    if isinstance(function, _Constant):
        return _Constant(then(function.value))
    return lambda context: then(function(context))


def is_constant(function: Compiled) -> bool:
    """Whether `function` (from `compile_value`) renders the same value from every context."""
    return isinstance(function, _Constant)


def _compile(value: Any) -> Compiled:
    if isinstance(value, str) and _OPEN in value:
        return parse_template(value).renderer()
    if isinstance(value, Mapping):
        items = [(key, _compile(item)) for key, item in value.items()]
        if not all(is_constant(f) for _, f in items):
            return lambda context: {key: f(context) for key, f in items}
    elif isinstance(value, list):
        compiled = [_compile(item) for item in value]
        if not all(is_constant(f) for f in compiled):
            return lambda context: [f(context) for f in compiled]
    return _Constant(value)


@dataclass(frozen=True, slots=True)
class _Constant:
    value: Any

    def __call__(self, context: Mapping[str, Any]) -> Any:
        return self.value


def _lookup(context: Mapping[str, Any], name: str) -> Any:
    try:
        return context[name]
    except KeyError:
        raise RenderError(name) from None


def as_text(value: Any) -> str:
    """A rendered value as it goes into text: JSON's true/false, nothing for null."""
    if type(value) is str:  # the common case, first
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# --- built-ins ---------------------------------------------------------------------------


def _today() -> date:
    return datetime.now(UTC).date()


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def _end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _random_text(length: int) -> str:
    return "".join(random.choices(string.ascii_lowercase + string.digits, k=length))


def _tomorrow_at_17() -> datetime:
    return _at_17(datetime.now(UTC) + timedelta(days=1))


def _at_17(moment: datetime) -> datetime:
    # The source system schedules "tomorrow" and "next week" at 17:00 UTC, a time likely free.
    return moment.replace(hour=17, minute=0, second=0, microsecond=0)


def _millis() -> str:
    return str(time.time_ns() // 1_000_000)


_Builtin = Callable[["RenderContext"], Any]

SOURCE_BUILTINS: Mapping[str, _Builtin] = {
    "now_timestamp": lambda ctx: int(datetime.now(UTC).timestamp()),
    "tomorrow_timestamp": lambda ctx: int(_tomorrow_at_17().timestamp()),
    "timestamp": lambda ctx: _millis(),
    "today_date": lambda ctx: _today().isoformat(),
    "current_date": lambda ctx: _today().isoformat(),
    "tomorrow_date": lambda ctx: (_today() + timedelta(days=1)).isoformat(),
    "yesterday_date": lambda ctx: (_today() - timedelta(days=1)).isoformat(),
    "next_week_date": lambda ctx: (_today() + timedelta(days=7)).isoformat(),
    "next_month_date": lambda ctx: _add_months(_today(), 1).isoformat(),
    "start_of_month_date": lambda ctx: _today().replace(day=1).isoformat(),
    "end_of_month_date": lambda ctx: _end_of_month(_today()).isoformat(),
    "now_datetime": lambda ctx: _iso(datetime.now(UTC)),
    "tomorrow_datetime": lambda ctx: _iso(_tomorrow_at_17()),
    "next_week_datetime": lambda ctx: _iso(_at_17(datetime.now(UTC) + timedelta(days=7))),
    "future_datetime": lambda ctx: _iso(datetime.now(UTC) + timedelta(hours=24)),
    "future_datetime_48h": lambda ctx: _iso(datetime.now(UTC) + timedelta(hours=48)),
    "current_year": lambda ctx: str(_today().year),
    "current_month": lambda ctx: f"{_today().month:02d}",
    "random_firstname": lambda ctx: "APITest",
    "random_lastname": lambda ctx: "User",
    "random_string": lambda ctx: f"test_{_random_text(8)}",
    "random_number": lambda ctx: str(random.randrange(10_000)),
    "random_phone": lambda ctx: "+1555" + "".join(random.choices(string.digits, k=7)),
    "random_address": lambda ctx: f"{random.randrange(9_999)} Test Street",
    "random_url": lambda ctx: f"https://test-{_millis()}.example.com",
    "random_email": lambda ctx: f"apitest_{_millis()}_{_random_text(6)}@example.com",
    "unique_id": lambda ctx: ctx.unique_id,
}
"""The source system's built-ins (docs/spec-language.md), same names and formats; two differ
on purpose, since theirs repeat under load: `unique_id` is one value per iteration and user
(theirs: the current millisecond), `random_email` adds random letters to the millisecond."""

SOURCE_CONFIG_NAMES = frozenset({
    "business_id", "business_uid", "staff_id", "staff_uid", "directory_id", "client_uid",
    "client_id", "matter_uid", "service_id",
})  # fmt: skip
"""Run variables the source system's configuration supplies (its `params`, written by its
`setup-business.js`): known names that need a value at run time, never typos."""

_OURS: Mapping[str, _Builtin] = {
    "uuid": lambda ctx: str(uuid.uuid4()),
    "unique_int": lambda ctx: _fresh_unique_int(),
    "webhook_url": lambda ctx: ctx.webhook_url,
}

BUILTINS: Mapping[str, _Builtin] = {**SOURCE_BUILTINS, **_OURS}
"""Every built-in name: the source system's, plus `uuid` and `unique_int` (fresh at every
use) and `webhook_url` (the harness's listener, during load runs)."""


class _UniqueIds:
    """Ids that never repeat across iterations, users and processes, cheaply.

    32 hex digits, like `uuid4().hex`: 80 random bits drawn once per process (again in a
    child after `fork`, which `--processes` uses) and a 48-bit counter. About 0.3 µs an id,
    where `uuid4().hex` takes 1.7-3 µs, once per iteration of every user.
    """

    __slots__ = ("_count", "_prefix")

    def __init__(self) -> None:
        self._prefix = ""
        self._count: Iterator[int] = itertools.count()
        self.renew()

    def renew(self) -> None:
        """A new random prefix (and counter): the process's ids are its own."""
        self._prefix = os.urandom(10).hex()
        self._count = itertools.count()

    def __call__(self) -> str:
        return f"{self._prefix}{next(self._count):012x}"


fresh_unique_id = _UniqueIds()
"""A new unique id (the `unique_id` built-in's values)."""
os.register_at_fork(after_in_child=fresh_unique_id.renew)

_INT_PREFIX_BITS, _INT_COUNT_BITS = 20, 32


class _UniqueInts:
    """Integers that never repeat within a process, for integer id fields (`unique_int`).

    A 20-bit random prefix drawn once per process (again after `fork`) above a 32-bit
    counter: below 2**52, so exact in every JSON reader (JavaScript's numbers included).
    Two processes share a prefix once in about a million pairs.
    """

    __slots__ = ("_base", "_count")

    def __init__(self) -> None:
        self._base = 0
        self._count: Iterator[int] = itertools.count(1)
        self.renew()

    def renew(self) -> None:
        """A new random prefix (and counter): the process's integers are its own."""
        self._base = secrets.randbits(_INT_PREFIX_BITS) << _INT_COUNT_BITS
        self._count = itertools.count(1)

    def __call__(self) -> int:
        return self._base | (next(self._count) & ((1 << _INT_COUNT_BITS) - 1))


_fresh_unique_int: _UniqueInts = _UniqueInts()
"""A new unique integer (the `unique_int` built-in's values)."""
os.register_at_fork(after_in_child=_fresh_unique_int.renew)


class RenderContext(Mapping[str, Any]):
    """Values for one iteration: extracted, prepared and run variables first, then built-ins.

    `prepared` holds what the prerequisites extracted (when they run once per user): read
    in place, never copied per iteration. `unique_id` is drawn when first used.
    """

    __slots__ = ("_layers", "_unique_id", "_values", "webhook_url")
    webhook_url: str | None

    def __init__(
        self,
        variables: Mapping[str, Any],
        *,
        prepared: Mapping[str, Any] | None = None,
        unique_id: str | None = None,
        webhook_url: str | None = None,
    ) -> None:
        self._values: dict[str, Any] = {}
        self._layers = (
            (self._values, prepared, variables) if prepared else (self._values, variables)
        )
        self._unique_id = unique_id
        self.webhook_url = webhook_url

    @property
    def unique_id(self) -> str:
        """This iteration's unique id."""
        if self._unique_id is None:
            self._unique_id = fresh_unique_id()
        return self._unique_id

    def set(self, name: str, value: Any) -> None:
        """Record an extracted value for the rest of the iteration."""
        self._values[name] = value

    @property
    def extracted(self) -> Mapping[str, Any]:
        """The values extracted so far (in this context: `prepared` not included)."""
        return self._values

    def __getitem__(self, name: str) -> Any:
        for layer in self._layers:
            if name in layer:
                return layer[name]
        builtin = BUILTINS.get(name)
        if builtin is None or (value := builtin(self)) is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._merged())

    def __len__(self) -> int:
        return len(self._merged())

    def _merged(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for layer in reversed(self._layers):
            merged.update(layer)
        return merged
