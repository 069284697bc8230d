"""Where each value of a spec file stands: locations (`$.steps[1].extract`) and their lines.

Standard library only, so the model can carry a `SourceMap` without loading YAML.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Key", "Location", "SourceMap", "format_location"]

Key = str | int
Location = tuple[Key, ...]


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


def format_location(location: Location) -> str:
    """`("steps", 1, "extract")` as `$.steps[1].extract`."""
    parts = ["$"]
    for key in location:
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    return "".join(parts)
