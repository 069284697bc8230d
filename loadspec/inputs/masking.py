"""The one secret mask: tokens become `[redacted]` in every message, report and log line."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["MASK", "Masker", "mask"]

MASK = "[redacted]"
_SHORTEST_SECRET = 4  # shorter values would mask ordinary words


class Masker:
    """Replaces secrets wherever they appear in text meant for people or files."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is replaced whole.
        unique = {s for s in secrets if len(s) >= _SHORTEST_SECRET}
        self._secrets = tuple(sorted(unique, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret in it masked."""
    return Masker(secrets)(text)
