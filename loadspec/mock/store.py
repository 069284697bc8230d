"""The mock's records: by resource (a collection's path) and id, bounded, oldest forgotten first.

A record is the JSON object the mock answered for it, what was sent merged in. A record may
wait for a status change (`pending` to `active`): the change is applied when it is next read
at or after its time, so no timer runs per record.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Record", "Store"]


@dataclass(slots=True)
class Record:
    """One record.

    Attributes:
        body: its members.
        change_at: when (monotonic seconds) `status` turns to `change_to`; 0 for never.
        change_to: the status it turns to.
    """

    body: dict[str, Any]
    change_at: float = 0.0
    change_to: Any = None

    def current(self, now: float) -> dict[str, Any]:
        """Its members now, a pending status change applied once due."""
        if self.change_at and now >= self.change_at:
            self.body["status"] = self.change_to
            self.change_at = 0.0
        return self.body


@dataclass(slots=True)
class Store:
    """Records by (collection, id), in the order they were last written; bounded.

    Attributes:
        limit: most records kept (and most deleted ids remembered).
        records: the records.
        collections: each collection's ids, in insertion order (a list answers them).
        deleted: ids deleted, so that reading them is a 404 (not a new record).
        evicted: records forgotten because of `limit`.
    """

    limit: int
    records: OrderedDict[tuple[str, str], Record] = field(default_factory=OrderedDict)
    collections: dict[str, dict[str, None]] = field(default_factory=dict)
    deleted: OrderedDict[tuple[str, str], None] = field(default_factory=OrderedDict)
    evicted: int = 0
    created: int = 0

    def get(self, collection: str, uid: str) -> Record | None:
        return self.records.get((collection, uid))

    def was_deleted(self, collection: str, uid: str) -> bool:
        return (collection, uid) in self.deleted

    def put(self, collection: str, uid: str, record: Record) -> None:
        key = (collection, uid)
        self.records[key] = record
        self.records.move_to_end(key)
        self.collections.setdefault(collection, {})[uid] = None
        self.deleted.pop(key, None)
        while len(self.records) > self.limit:
            (old_collection, old_uid), _ = self.records.popitem(last=False)
            self._unlist(old_collection, old_uid)
            self.evicted += 1

    def delete(self, collection: str, uid: str) -> bool:
        """Forget a record; whether it was there. Its id reads as deleted from now on."""
        found = self.records.pop((collection, uid), None) is not None
        self._unlist(collection, uid)
        self.deleted[(collection, uid)] = None
        if len(self.deleted) > self.limit:
            self.deleted.popitem(last=False)
        return found

    def _unlist(self, collection: str, uid: str) -> None:
        ids = self.collections.get(collection)
        if ids is not None:
            ids.pop(uid, None)
            if not ids:
                del self.collections[collection]

    def listed(self, collection: str, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` of a collection's records, oldest first, pending changes applied."""
        ids = self.collections.get(collection) or {}
        now = time.monotonic()
        out: list[dict[str, Any]] = []
        for uid in ids:
            out.append(self.records[(collection, uid)].current(now))
            if len(out) >= limit:
                break
        return out

    def reset(self) -> None:
        self.records.clear()
        self.collections.clear()
        self.deleted.clear()

    def stats(self) -> dict[str, int]:
        return {
            "records": len(self.records),
            "collections": len(self.collections),
            "created": self.created,
            "deleted_remembered": len(self.deleted),
            "evicted": self.evicted,
        }
