"""An oracle for the tests: what of a secret a person could still recognise in some text.

Deliberately not the mask's own code: whole-text standard-library decoders, each tried on
its own, then whitespace dropped and case folded; a piece is any run of `RUN` characters
of the secret, of its hex, or of its base64 text at each of the three byte offsets.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterator
from urllib.parse import unquote

from loadspec.inputs.masking import RUN

_WHITESPACE = {"n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = re.compile(r"\\(?:[uU]([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(.))", re.DOTALL)


def _unescaped(text: str) -> str:
    def one(found: re.Match[str]) -> str:
        code = found.group(1) or found.group(2)
        return chr(int(code, 16)) if code else _WHITESPACE.get(found.group(3), found.group(3))

    return _ESCAPE.sub(one, text)


def _readings(text: str) -> Iterator[str]:
    for reading in (text, html.unescape(text), unquote(text), _unescaped(text)):
        yield "".join(reading.split()).lower()


def _encodings(secret: str) -> Iterator[str]:
    raw = secret.encode()
    yield secret
    yield raw.hex()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            yield encode(b"\0" * offset + raw).decode()[offset + 1 :]


def leaks(text: str, secret: str) -> set[str]:
    """Every run of `RUN` characters of one of `secret`'s encodings found in `text`."""
    pieces = {e.lower()[i : i + RUN] for e in _encodings(secret) for i in range(len(e) - RUN + 1)}
    return {p for reading in _readings(text) for p in pieces if p in reading}
