"""The one secret mask: tokens become `[redacted]` in every message, report and log line.

A server may echo a token in another form than it was sent: base64 (a Basic header, a
decoded JWT), percent-encoded (a URL), JSON- or repr-escaped (an error message quoting it).
Every such form is masked, not only the raw text.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "Masker", "mask", "secret_forms"]

MASK = "[redacted]"
_SHORTEST_SECRET = 4  # shorter values would mask ordinary words
_SHORTEST_BASE64 = 8  # a base64 core shorter than this could be anything
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _base64_cores(raw: bytes) -> set[str]:
    """The base64 text `raw` turns into wherever it sits in a longer encoded string.

    Inside a longer value, the token starts at one of three offsets within a 3-byte group;
    for each, the characters that depend on the token's bytes alone are always the same.
    """
    cores: set[str] = set()
    for offset in range(3):
        start, end = -(-8 * offset // 6), 8 * (offset + len(raw)) // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(b"\0" * offset + raw).decode("ascii")[start:end]
            if len(core) >= _SHORTEST_BASE64:
                cores.add(core)
    return cores


def secret_forms(secret: str) -> set[str]:
    """Every form of `secret` a server may echo: raw, escaped, percent-encoded, base64."""
    escaped = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    escaped |= {repr(secret)[1:-1], secret.replace("/", "\\/")}
    encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret)}
    encoded |= {_PERCENT.sub(lambda m: m.group().lower(), e) for e in encoded}
    forms = {secret} | escaped | encoded | {e.replace("/", "\\/") for e in encoded}
    return forms | _base64_cores(secret.encode())


class Masker:
    """Replaces secrets, in any of their forms, wherever they appear in text for people."""

    __slots__ = ("_forms",)

    def __init__(self, secrets: Iterable[str]) -> None:
        unique = {s for s in secrets if len(s) >= _SHORTEST_SECRET}
        forms = {form for s in unique for form in secret_forms(s)}
        # Longest first, so a form that contains another is replaced whole.
        self._forms = tuple(sorted(forms, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret in it masked."""
    return Masker(secrets)(text)
