"""Which rows of a `unique` data file a worker may still use, as parts that can move.

A part is `(start, step, left)`: rows start, start+step, start+2*step... of the file, `left`
of them (-1: to the file's end). Worker i of n starts with `(i, n, -1)`: rows i, i+n, ...
Taking a row moves its part on; a part splits into k interleaved parts (for a worker that
joins late), and what is left (with the rows of iterations still running) is what a worker
reports, so that a lost worker's rows move to the others. Plain lists travel in messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

__all__ = ["EVERY_FILE", "Part", "RowParts", "split_parts"]

Part = tuple[int, int, int]
"""(start, step, left): `left` rows from `start`, `step` apart; -1: until the file ends."""
EVERY_FILE = "*"
"""The key of parts that hold for every `unique` file (a worker lost before any report)."""


def split_parts(parts: Sequence[Part], ways: int) -> list[list[Part]]:
    """`parts` dealt into `ways` interleaved shares (row by row, so each gets its fair part)."""
    shares: list[list[Part]] = [[] for _ in range(ways)]
    for start, step, left in parts:
        for j in range(ways):
            if left < 0:
                shares[j].append((start + j * step, step * ways, -1))
                continue
            count = (left - j + ways - 1) // ways
            if count > 0:
                shares[j].append((start + j * step, step * ways, count))
    return shares


class RowParts:
    """One worker's parts of each `unique` file, by the file's key (its path, as every process
    of the run names it)."""

    def __init__(self) -> None:
        self.origin: list[Part] = [(0, 1, -1)]  # a file's parts at the start
        self.parts: dict[str, list[Part]] = {}
        self.held: dict[int, tuple[str, int]] = {}  # rows of running iterations, by user

    def start(self, keys: Iterable[str], index: int, count: int, late: bool) -> None:
        """At a share: rows index, index+count... of every file (none for a late worker)."""
        self.origin = [] if late else [(index, count, -1)]
        self.parts = {key: list(self.origin) for key in keys}
        self.held.clear()

    def restart(self, key: str) -> None:
        """A file's rows from the start again (`exhausted: wrap`)."""
        self.parts[key] = list(self.origin)

    def take(self, key: str, size: int) -> int | None:
        """The next row's index in a file of `size` rows (None: this worker's are used up)."""
        parts = self.parts.setdefault(key, list(self.origin))
        while parts:
            start, step, left = parts[0]
            if start >= size or left == 0:
                parts.pop(0)
                continue
            parts[0] = (start + step, step, left - 1 if left > 0 else -1)
            return start
        return None

    def hold(self, user: int, key: str, index: int) -> None:
        """Row `index` is used by `user`'s running iteration (given back if it never ends)."""
        self.held[user] = (key, index)

    def release(self, user: int, used: bool = True) -> None:
        """`user`'s iteration ended: its row is used (or, cut short, given back first)."""
        held = self.held.pop(user, None)
        if held is not None and not used:
            key, index = held
            self.parts.setdefault(key, []).insert(0, (index, 1, 1))

    def add(self, given: Mapping[str, Sequence[Sequence[int]]]) -> None:
        """Parts moved here (`EVERY_FILE`: for each file this worker knows)."""
        for key, parts in given.items():
            for target in self.parts if key == EVERY_FILE else [key]:
                self.parts.setdefault(target, []).extend(_part(p) for p in parts)

    def cede(self, ways: int) -> dict[str, list[Part]]:
        """Give up one of `ways` interleaved shares of every file's rows; keep the rest."""
        given: dict[str, list[Part]] = {}
        for key, parts in self.parts.items():
            *kept, away = split_parts(parts, ways)
            self.parts[key] = [p for share in kept for p in share]
            if away:
                given[key] = away
        return given

    def left(self) -> dict[str, list[Part]]:
        """What a report says: each file's parts still unused, with the running iterations'."""
        report = {key: list(parts) for key, parts in self.parts.items()}
        for key, index in self.held.values():
            report.setdefault(key, []).append((index, 1, 1))
        return report


def _part(given: Sequence[int]) -> Part:
    start, step, left = (int(n) for n in given)
    return start, step, left
