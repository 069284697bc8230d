"""Where each value of a spec file stands: locations (`$.steps[1].extract`) and their lines.

Standard library only, so the model can carry a `SourceMap` without loading YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Key", "Location", "SourceMap", "format_location", "location_key"]

Key = str | int
Location = tuple[Key, ...]

_NAME, _INDEX = "\x00", "\x01"  # before a mapping key / a list index in a location's key
INDEX_KEYS = tuple(f"{_INDEX}{i}" for i in range(256))  # the walk's hot loop takes these


@dataclass(slots=True)
class SourceMap:
    """Line of each location in a file; a missing location falls back to its parent's line.

    Keyed by `location_key(location)`, a string: one spec file has dozens of locations and
    a run keeps every spec's map. As tuples they were most of the objects a 1,000-spec load
    keeps, each tracked (and rescanned) by CPython's cyclic collector; strings never are.
    """

    lines: dict[str, int] = field(default_factory=dict)

    def line(self, location: Location) -> int:
        """The line of `location`, or of its nearest ancestor that has one."""
        keys = [""]
        for part in location:
            keys.append(keys[-1] + _step(part))
        for key in reversed(keys):
            found = self.lines.get(key)
            if found is not None:
                return found
        return 0

    def record(self, location: Location, line: int, *, replace: bool = True) -> None:
        """Note `location`'s line; `replace=False` keeps a line already noted."""
        key = location_key(location)
        if replace or key not in self.lines:
            self.lines[key] = line


def location_key(location: Location) -> str:
    """The key `SourceMap` files `location` under."""
    return "".join(_step(part) for part in location)


def _step(part: Key) -> str:
    if isinstance(part, int):
        return INDEX_KEYS[part] if 0 <= part < len(INDEX_KEYS) else f"{_INDEX}{part}"
    return _NAME + part


def format_location(location: Location) -> str:
    """`("steps", 1, "extract")` as `$.steps[1].extract`."""
    parts = ["$"]
    for key in location:
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(parts)
