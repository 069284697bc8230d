"""Which operation a request is for: exact paths by lookup, templates segment by segment."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from loadspec.mock.operations import MockOperation

__all__ = ["Route", "Router"]

_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One path of the contracts: its segments and its operations by method.

    Attributes:
        path: the path template.
        segments: literal text, or a pattern whose groups are named after the parameters.
        methods: the operation of each method.
        literal: how many segments are literal (the more, the better a match).
        names: a parameter's name by its group's (a name may hold what a group cannot).
    """

    path: str
    segments: tuple[str | re.Pattern[str], ...]
    methods: Mapping[str, MockOperation]
    literal: int
    names: Mapping[str, str]

    @property
    def allow(self) -> bytes:
        return ", ".join(sorted(self.methods)).encode()


class Router:
    """Finds the route of a path; the first contract to declare a path and method keeps it.

    An operation is also found by its path without its contract's base path, where no
    operation has that path itself (`/pet` as well as `/api/v3/pet`).
    """

    def __init__(self, operations: Iterable[MockOperation]) -> None:
        operations = list(operations)
        by_path: dict[str, dict[str, MockOperation]] = {}
        for operation in operations:
            by_path.setdefault(operation.path, {}).setdefault(operation.method, operation)
        full = set(by_path)
        for operation in operations:
            short = operation.short_path
            if short and short.startswith("/") and short not in full:
                by_path.setdefault(short, {}).setdefault(operation.method, operation)
        self._exact: dict[str, Route] = {}
        templated: dict[int, list[Route]] = {}
        for path, methods in by_path.items():
            route = _route(path, methods)
            if route.literal == len(route.segments):
                self._exact[path.rstrip("/") or "/"] = route
            else:
                templated.setdefault(len(route.segments), []).append(route)
        self._templated = {
            n: sorted(routes, key=lambda r: -r.literal) for n, routes in templated.items()
        }
        self.paths = len(full)

    def match(self, path: str, raw_path: str) -> tuple[Route, dict[str, str]] | None:
        """The route of `path` and its parameters' values (from `raw_path`: `%2F` stays in)."""
        route = self._exact.get(path.rstrip("/") or "/")
        if route is not None:
            return route, {}
        parts = [p for p in raw_path.split("/") if p]
        for route in self._templated.get(len(parts), ()):
            params = _bind(route.segments, parts)
            if params is not None:
                return route, {route.names.get(k, k): v for k, v in params.items()}
        return None


def _route(path: str, methods: Mapping[str, MockOperation]) -> Route:
    segments = tuple(_segment(s) for s in path.split("/") if s)
    literal = sum(1 for s in segments if isinstance(s, str))
    names = {_group(n): n for n in _TEMPLATE.findall(path) if _group(n) != n}
    return Route(path, segments, methods, literal, names)


def _group(name: str) -> str:
    return name if name.isidentifier() else "p_" + re.sub(r"\W", "_", name)


def _segment(text: str) -> str | re.Pattern[str]:
    if "{" not in text:
        return text
    pattern, end = "", 0
    for found in _TEMPLATE.finditer(text):
        name = _group(found.group(1))
        pattern += re.escape(text[end : found.start()]) + f"(?P<{name}>[^/]+?)"
        end = found.end()
    return re.compile(pattern + re.escape(text[end:]))


def _bind(segments: tuple[str | re.Pattern[str], ...], parts: list[str]) -> dict[str, str] | None:
    params: dict[str, str] = {}
    for segment, part in zip(segments, parts, strict=True):
        if isinstance(segment, str):
            if segment != part:
                return None
            continue
        found = segment.fullmatch(part)
        if found is None:
            return None
        params.update((k, unquote(v)) for k, v in found.groupdict().items())
    return params
