"""YAML through libyaml's C composer, keeping the file line of every node.

The composed node graph is walked here instead of by PyYAML's constructor so
that duplicate keys, unknown tags, alias bombs and deep nesting become
problems with a line, and nothing is ever executed or expanded without bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["Key", "Location", "MarkedYaml", "SourceMap", "format_location", "load_marked"]

Key = str | int
Location = tuple[Key, ...]

MAX_NODES = 100_000
MAX_DEPTH = 64

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_SCALARS = {
    _TAG + "str": None,
    _TAG + "int": _Loader.construct_yaml_int,
    _TAG + "float": _Loader.construct_yaml_float,
    _TAG + "bool": _Loader.construct_yaml_bool,
    _TAG + "null": _Loader.construct_yaml_null,
    # Dates stay text: a spec's values are sent as JSON, and JSON has no dates.
    _TAG + "timestamp": None,
}
_SEQ, _MAP = _TAG + "seq", _TAG + "map"


@dataclass(slots=True)
class SourceMap:
    """Line of each location in a file; a missing location falls back to its parent's line."""

    lines: dict[Location, int] = field(default_factory=dict)

    def line(self, location: Location) -> int:
        """The line of `location`, or of its nearest ancestor that has one."""
        for end in range(len(location), -1, -1):
            found = self.lines.get(location[:end])
            if found is not None:
                return found
        return 0

    def rebase(self, prefix: Location) -> SourceMap:
        """This map with every location put under `prefix`."""
        return SourceMap({prefix + loc: line for loc, line in self.lines.items()})

    def update(self, other: SourceMap) -> None:
        """Add every line of `other`."""
        self.lines.update(other.lines)


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


def format_location(location: Location) -> str:
    """`("steps", 1, "extract")` as `$.steps[1].extract`."""
    parts = ["$"]
    for key in location:
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(parts)


def load_marked(text: str, first_line: int = 1) -> MarkedYaml:
    """Parse one YAML document whose first line is line `first_line` of its file."""
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
    except yaml.YAMLError as exc:
        problems.append(YamlProblem(first_line, f"YAML error: {exc}"))
        return MarkedYaml(None, SourceMap(), problems)
    finally:
        loader.dispose()
    walker = _Walker(loader, first_line)
    value = walker.walk(node) if node is not None else None
    return MarkedYaml(value, walker.source, problems + walker.problems)


def _tab_indents(text: str, first_line: int) -> Iterator[tuple[int, str]]:
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

    def __init__(self, loader: yaml.SafeLoader, first_line: int) -> None:
        self.loader = loader
        self.first_line = first_line
        self.source = SourceMap()
        self.problems: list[YamlProblem] = []
        self.visited = 0

    def walk(self, node: yaml.Node) -> Any:
        try:
            return self._value(node, ())
        except _Abort:
            return None

    def _line(self, node: yaml.Node) -> int:
        return int(node.start_mark.line) + self.first_line

    def _problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(YamlProblem(self._line(node), message))

    def _value(self, node: yaml.Node, location: Location) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            self._problem(node, f"document expands to more than {MAX_NODES} values (alias bomb?)")
            raise _Abort
        if len(location) > MAX_DEPTH:
            self._problem(node, f"nested deeper than {MAX_DEPTH} levels")
            raise _Abort
        self.source.lines.setdefault(location, self._line(node))
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            return self._mapping(node, location)
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [self._value(item, (*location, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALARS:
            construct = _SCALARS[node.tag]
            return node.value if construct is None else construct(self.loader, node)
        self._problem(node, f"unsupported YAML tag {node.tag!r}: tags are never executed")
        return None

    def _mapping(self, node: yaml.MappingNode, location: Location) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(key_node, "mapping keys must be plain text, not a list or mapping")
                continue
            key = str(key_node.value)
            if key == "<<" and key_node.tag == _TAG + "merge":
                self._problem(key_node, "YAML merge keys (<<) are not supported in specs")
                continue
            if key in first_seen:
                self._problem(key_node, f"duplicate key {key!r} (first at line {first_seen[key]})")
                continue
            first_seen[key] = self._line(key_node)
            child = (*location, key)
            self.source.lines[child] = self._line(key_node)
            result[key] = self._value(value_node, child)
        return result
