"""YAML through libyaml's C composer, keeping the file line of every node.

The composed node graph is walked here instead of by PyYAML's constructor so
that duplicate keys, unknown tags, alias bombs and deep nesting become
problems with a line, and nothing is ever executed or expanded without bound.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from loadspec.language.sourcemap import INDEX_KEYS, Location, SourceMap, location_key

__all__ = ["MarkedYaml", "load_marked"]

MAX_NODES = 100_000
MAX_DEPTH = 64

_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CParser: Any = vars(yaml.cyaml).get("CParser") if _Base is not yaml.SafeLoader else None
_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"


@functools.lru_cache(maxsize=8192)
def _plain_tag(value: str) -> str:
    # A plain scalar's implicit tag depends on its text alone, and specs repeat their values.
    tag = _Base.resolve(_RESOLVER, yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return str(tag)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """The C loader with tag resolution memoised (PyYAML resolves in Python, per scalar)."""

    def __init__(self, stream: str) -> None:
        if _CParser is None:
            super().__init__(stream)
        else:
            # The parser alone: the walk below constructs, and no path resolvers are
            # registered, so the constructor's and resolver's per-loader state is never read.
            _CParser.__init__(self, stream)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return _plain_tag(value) if implicit[0] else _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    # No path resolvers are registered, so PyYAML's per-node bookkeeping for them is moot.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


_RESOLVER = _Base("")

_SCALARS = {
    _TAG + "str": None,
    _TAG + "int": _Loader.construct_yaml_int,
    _TAG + "float": _Loader.construct_yaml_float,
    _TAG + "bool": _Loader.construct_yaml_bool,
    _TAG + "null": _Loader.construct_yaml_null,
    # Dates stay text: a spec's values are sent as JSON, and JSON has no dates.
    _TAG + "timestamp": None,
}
_INT, _BOOL, _NULL = _TAG + "int", _TAG + "bool", _TAG + "null"
_SLOW = object()


def _quick_scalar(tag: str, text: str) -> Any:
    """What PyYAML's constructor makes of the common forms, without its calls; else `_SLOW`.

    Plain decimals are nearly every int of a spec; YAML 1.1's octal (a leading 0), hex,
    binary, sexagesimal and underscored forms, and every float, go through the constructor.
    """
    if tag == _INT:
        if text.isdecimal() and text.isascii() and (text[0] != "0" or text == "0"):
            return int(text)
        return _SLOW
    if tag == _BOOL:
        return _Loader.bool_values.get(text.lower(), _SLOW)
    return None if tag == _NULL else _SLOW


@dataclass(frozen=True, slots=True)
class YamlProblem:
    """A YAML-level problem: a line (absolute in the file) and a message."""

    line: int
    message: str


@dataclass(slots=True)
class MarkedYaml:
    """The plain value of one YAML document, its lines, and what was wrong with it."""

    value: Any
    source: SourceMap
    problems: list[YamlProblem]


def load_marked(
    text: str, first_line: int = 1, *, prefix: Location = (), source: SourceMap | None = None
) -> MarkedYaml:
    """Parse one YAML document whose first line is line `first_line` of its file.

    Lines are recorded under `prefix` (e.g. the section a block belongs to), into `source`
    when given (the file's map), so no map is copied afterwards.
    """
    problems = [YamlProblem(n, m) for n, m in _tab_indents(text, first_line)]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        if not problems:
            reason = _yaml_reason(exc, first_line)
            problems.append(YamlProblem(line, f"YAML syntax error: {reason}"))
        return MarkedYaml(None, SourceMap(), problems)
    except yaml.reader.ReaderError as exc:
        line = first_line + text.count("\n", 0, exc.position)
        character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "a byte"
        problems.append(YamlProblem(line, f"YAML error: unacceptable character {character}"))
        return MarkedYaml(None, SourceMap(), problems)
    except yaml.YAMLError as exc:
        # One line: a report line is always `file:line: message`.
        problems.append(YamlProblem(first_line, f"YAML error: {' '.join(str(exc).split())}"))
        return MarkedYaml(None, SourceMap(), problems)
    finally:
        loader.dispose()
    walker = _Walker(loader, first_line, prefix, source or SourceMap())
    value = walker.walk(node) if node is not None else None
    return MarkedYaml(value, walker.source, problems + walker.problems)


def _tab_indents(text: str, first_line: int) -> Iterator[tuple[int, str]]:
    if "\t" not in text:
        return
    for number, line in enumerate(text.splitlines(), start=first_line):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            yield number, "tab in indentation: YAML indents with spaces only"


def _yaml_reason(exc: yaml.MarkedYAMLError, first_line: int) -> str:
    reason = exc.problem or "invalid YAML"
    if exc.context and exc.context_mark and exc.problem_mark is not exc.context_mark:
        reason = f"{reason} ({exc.context} at line {exc.context_mark.line + first_line})"
    return reason


class _Abort(Exception):
    """The document is too large or too deep to walk any further."""


class _Walker:
    """Turns composed nodes into plain dicts, lists and scalars, recording lines."""

    def __init__(
        self, loader: yaml.SafeLoader, first_line: int, prefix: Location, source: SourceMap
    ) -> None:
        self.loader = loader
        self.first_line = first_line
        self.prefix = location_key(prefix)
        self.max_depth = len(prefix) + MAX_DEPTH
        self.depth = len(prefix)
        self.source = source
        self.problems: list[YamlProblem] = []
        self.visited = 0

    def walk(self, node: yaml.Node) -> Any:
        self.source.lines[self.prefix] = self._line(node)
        try:
            return self._value(node, self.prefix, self.depth)
        except _Abort:
            return None

    def _line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.first_line

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(YamlProblem(self._line(node), message))

    def _value(self, node: yaml.Node, location: str, depth: int) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            self._problem(node, f"document expands to more than {MAX_NODES} values (alias bomb?)")
            raise _Abort
        tag, kind = node.tag, type(node)
        if kind is yaml.ScalarNode and tag in _SCALARS:
            construct = _SCALARS[tag]
            if construct is None:
                return node.value
            quick = _quick_scalar(tag, node.value)
            return quick if quick is not _SLOW else self._construct(construct, node)
        if depth > self.max_depth:
            self._problem(node, f"nested deeper than {MAX_DEPTH} levels")
            raise _Abort
        if isinstance(node, yaml.MappingNode) and tag == _MAP:
            return self._mapping(node, location, depth + 1)
        if isinstance(node, yaml.SequenceNode) and tag == _SEQ:
            return self._sequence(node, location, depth + 1)
        self._problem(node, f"unsupported YAML tag {tag!r}: tags are never executed")
        return None

    def _construct(self, construct: Any, node: yaml.Node) -> Any:
        # An explicit tag on a value it cannot read (`!!int x`, an empty `!!float`) is the
        # author's mistake: a problem on its line, never a traceback.
        try:
            return construct(self.loader, node)
        except (ValueError, IndexError, KeyError, TypeError, OverflowError, yaml.YAMLError):
            name = node.tag.rsplit(":", 1)[-1]
            self._problem(node, f"{node.value!r} is not a valid !!{name} value")
            return None

    def _sequence(self, node: yaml.SequenceNode, location: str, depth: int) -> list[Any]:
        lines, first = self.source.lines, self.first_line
        result = []
        for index, item in enumerate(node.value):
            child = location + (INDEX_KEYS[index] if index < 256 else location_key((index,)))
            lines[child] = item.start_mark.line + first
            # Plain strings are most values: take them without a call (the walk is the hot loop).
            if type(item) is yaml.ScalarNode and item.tag == _STR:
                self.visited += 1
                result.append(item.value)
            else:
                result.append(self._value(item, child, depth))
        return result

    def _mapping(self, node: yaml.MappingNode, location: str, depth: int) -> dict[str, Any]:
        lines, first = self.source.lines, self.first_line
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                self._problem(key_node, "mapping keys must be plain text, not a list or mapping")
                continue
            key: str = key_node.value  # a scalar node's value is always its text
            child = location + "\x00" + key  # location_key's step for a name, inline
            if key in result:
                where = lines[child]
                self._problem(key_node, f"duplicate key {key!r} (first at line {where})")
                continue
            if key == "<<" and key_node.tag == _TAG + "merge":
                self._problem(key_node, "YAML merge keys (<<) are not supported in specs")
                continue
            lines[child] = key_node.start_mark.line + first
            if type(value_node) is yaml.ScalarNode and value_node.tag == _STR:
                self.visited += 1
                result[key] = value_node.value
            else:
                result[key] = self._value(value_node, child, depth)
        return result
