"""The clients API: every business has seeded clients, made on first use, the same every run."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ClientQuery", "ClientsDirectory"]

_FIRST = ("Ada", "Ben", "Chloe", "Dan", "Eve", "Finn", "Gil", "Hana", "Ido", "Jo", "Kim", "Lea")
_LAST = ("Levy", "Cohen", "Smith", "Garcia", "Nguyen", "Okafor", "Rossi", "Silva", "Tanaka")
_STATUSES = ("lead", "prospect", "customer")
_MAX_BUSINESSES = 10_000
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_SEARCH_FIELDS = {
    "email": ("email",),
    "uid": ("id",),
    "phone": ("mobile_phone",),
    "updated_at": ("updated_at",),
    None: ("first_name", "last_name", "email", "mobile_phone", "id"),
}


@dataclass(frozen=True, slots=True)
class ClientQuery:
    """One `GET /platform/v1/clients` as the stub reads it.

    Attributes:
        business_uid: whose clients.
        page: 1-based page number.
        per_page: page size (1 to 100).
        search_term: keep clients with this text (case-insensitive) in a searched field.
        search_by: the field searched (`None`: name, email, phone and id).
    """

    business_uid: str
    page: int = 1
    per_page: int = 25
    search_term: str | None = None
    search_by: str | None = None


def _uid(rng: random.Random) -> str:
    return "".join(rng.choice(_ALPHABET) for _ in range(16))


def _client(business_uid: str, index: int, rng: random.Random) -> dict[str, Any]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    stamp = f"2025-{1 + index % 12:02d}-{1 + index % 28:02d}T{index % 24:02d}:00:00Z"
    return {
        "id": _uid(rng),
        "business_uid": business_uid,
        "first_name": first,
        "last_name": last,
        "email": f"{first.lower()}.{last.lower()}.{index}@example.com",
        "mobile_phone": f"+1555{rng.randrange(10**7):07d}",
        "customer_status": rng.choice(_STATUSES),
        "tags": [],
        "created_at": stamp,
        "updated_at": stamp,
    }


class ClientsDirectory:
    """Seeded clients per business; the same business uid always gets the same clients."""

    def __init__(self, per_business: int, seed: int | None) -> None:
        self._per_business = per_business
        self._seed = 0 if seed is None else seed
        self._by_business: dict[str, list[dict[str, Any]]] = {}

    def clients_of(self, business_uid: str) -> Sequence[dict[str, Any]]:
        """The business's clients, seeded on first use from the business uid (and the seed)."""
        clients = self._by_business.get(business_uid)
        if clients is None:
            if len(self._by_business) >= _MAX_BUSINESSES:
                self._by_business.clear()  # a fuzzer's thousands of businesses must not pile up
            key = hashlib.sha256(f"{self._seed}:{business_uid}".encode()).digest()
            rng = random.Random(int.from_bytes(key[:8], "big"))
            clients = [_client(business_uid, i, rng) for i in range(self._per_business)]
            self._by_business[business_uid] = clients
        return clients

    def page(self, query: ClientQuery) -> list[dict[str, Any]]:
        """The clients on the asked page, after the search."""
        clients: Sequence[dict[str, Any]] = self.clients_of(query.business_uid)
        if query.search_term:
            clients = _search(clients, query.search_term, _SEARCH_FIELDS[query.search_by])
        start = (query.page - 1) * query.per_page
        return list(clients[start : start + query.per_page])


def _search(
    clients: Sequence[dict[str, Any]], term: str, fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    needle = term.lower()
    return [c for c in clients if any(needle in str(c[f]).lower() for f in fields)]
