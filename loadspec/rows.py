"""What a stats row is: a request (its type is the HTTP method) or one of loadspec's own kinds."""

from __future__ import annotations

import enum

__all__ = ["SIDE_KINDS", "RowKind"]


class RowKind(enum.StrEnum):
    """The type column of a stats row that is not a request.

    WAIT, CALLBACK, SETUP and CRASH rows stay out of the requests' Aggregated row; VERDICT marks the
    verdict's entry in the --json-file output, which is no stats row at all.
    """

    WAIT = "WAIT"
    CALLBACK = "CALLBACK"
    SETUP = "SETUP"
    CRASH = "CRASH"
    """An iteration that raised: named by its spec, its message the error; always a failure."""
    VERDICT = "VERDICT"

    @classmethod
    def of(cls, row_type: str) -> RowKind | None:
        """The kind a row's type names, or None for a request (its HTTP method)."""
        return _BY_VALUE.get(row_type)


_BY_VALUE = {kind.value: kind for kind in RowKind}
SIDE_KINDS = frozenset({RowKind.WAIT, RowKind.CALLBACK, RowKind.SETUP, RowKind.CRASH})
"""Row kinds kept out of the requests' Aggregated row."""
