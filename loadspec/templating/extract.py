"""Extraction with jsonpath-ng: each expression is compiled once, then reused."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.ext.parser import ExtendedJsonPathParser
from jsonpath_ng.jsonpath import Child, Fields, Index, Root

from loadspec.errors import TemplateError

__all__ = ["Extractor", "JsonPath", "JsonPathSyntaxError", "compile_jsonpath"]


# jsonpath-ng's parse() builds a new ply parser (its tables) on every call; one is enough.
_PARSER = ExtendedJsonPathParser()


class JsonPathSyntaxError(TemplateError):
    """A JSONPath expression that does not compile."""


@dataclass(frozen=True, slots=True)
class JsonPath:
    """A compiled JSONPath expression.

    Attributes:
        text: the expression as written.
        compiled: jsonpath-ng's parsed form.
    """

    text: str
    compiled: Any
    steps: tuple[str | int, ...] | None = None

    def first(self, document: Any) -> tuple[bool, Any]:
        """(found, value) of the first match in `document`."""
        if self.steps is not None:
            return _walk(document, self.steps)
        matches = self.compiled.find(document)
        return (True, matches[0].value) if matches else (False, None)


# `$.data.clients[0].id` and the like, most extracts, are walked directly: the same result
# as jsonpath-ng's find() at a fraction of its cost per request.
_SIMPLE = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*\Z")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _simple_steps(text: str) -> tuple[str | int, ...] | None:
    if not _SIMPLE.match(text):
        return None
    return tuple(name if name else int(index) for name, index in _STEP.findall(text))


# Names jsonpath-ng's lexer reads as something other than a field: those paths are parsed.
_NOT_FIELDS = frozenset({"where", "wherenot", "true", "false", "null"})


def _simple_tree(steps: tuple[str | int, ...]) -> Any:
    """The tree jsonpath-ng's parser makes of a simple path, without the parser (~0.5 ms)."""
    tree: Any = Root()
    for step in steps:
        tree = Child(tree, Index(step) if isinstance(step, int) else Fields(step))
    return tree


def _walk(document: Any, steps: tuple[str | int, ...]) -> tuple[bool, Any]:
    for step in steps:
        in_object = isinstance(step, str) and isinstance(document, dict) and step in document
        in_array = isinstance(step, int) and isinstance(document, list) and step < len(document)
        if not (in_object or in_array):
            return False, None
        document = document[step]
    return True, document


@lru_cache(maxsize=4096)
def compile_jsonpath(text: str) -> JsonPath:
    """Compile `text`; the same expression in many specs is compiled once per process."""
    steps = _simple_steps(text)
    if steps is not None and _NOT_FIELDS.isdisjoint(steps):
        return JsonPath(text, _simple_tree(steps), steps)
    try:
        return JsonPath(text, _PARSER.parse(text), steps)
    except (JSONPathError, Exception) as exc:
        # jsonpath-ng's ply lexer raises bare exceptions for some inputs; all mean "not JSONPath".
        raise JsonPathSyntaxError(f"JSONPath {text!r} does not compile: {exc}") from None


@dataclass(frozen=True, slots=True)
class Extractor:
    """A step's `extract` block, compiled.

    Attributes:
        paths: name -> compiled JSONPath.
    """

    paths: Mapping[str, JsonPath]

    @classmethod
    def from_mapping(cls, extract: Mapping[str, str]) -> Extractor:
        """Compile every expression of an `extract` block."""
        return cls({name: compile_jsonpath(text) for name, text in extract.items()})

    def extract(self, document: Any) -> tuple[dict[str, Any], list[JsonPath]]:
        """(values found by name, expressions that matched nothing)."""
        values: dict[str, Any] = {}
        missing: list[JsonPath] = []
        for name, path in self.paths.items():
            found, value = path.first(document)
            if found:
                values[name] = value
            else:
                missing.append(path)
        return values, missing
