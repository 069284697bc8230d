"""The one secret mask: tokens become `[redacted]` in every message, report and log line.

A server may echo a token in another form than it was sent, so the mask reads text the way
a person would: it decodes JSON and Python escapes (`\\u0061`, `\\x61`, `\\/`, `\\n`), HTML
entities (`&sol;`, `&#97;`, `&#x61;`) and percent-escapes (`%2F`), drops whitespace
(spaces, tabs and line breaks between a token's characters) and folds case. In that
reading it looks for each secret's forms: the secret itself, its bytes in hex, and its
base64 text (alone or inside a longer value: the characters that depend on the secret's
bytes alone, `_base64_cores`).

**Recognisable**, and so masked, is any of:

- a whole form, for a secret of 4 characters or more (shorter ones would mask ordinary
  words, and are never masked);
- for a secret of `RUN` (10) characters or more, any run of `RUN` or more consecutive
  characters of a form: a server that quotes part of a token, or a cut made elsewhere,
  shows nothing longer than 9 of them; 10 so that a word a secret happens to contain
  (`loadspec` in the embedded gateway's development token) is not masked everywhere;
- at the end of a text cut short (`cut=True`), the start of a form 4 characters or longer:
  a cut never shows all but the last characters of a secret.

Masking happens before any cut: `excerpt` masks the bytes it reads, telling the mask they
were cut, and shortens the result; cutting masked text only removes characters, so it never
makes a secret recognisable again. What the reading matched is replaced in the original
text, from the first matched character to the last: a split or escaped token is one
`[redacted]`.
"""

from __future__ import annotations

import base64
import functools
import html
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate, islice

__all__ = ["MASK", "RUN", "Masker", "mask", "masker"]

MASK = "[redacted]"
RUN = 10  # a run of this many characters of a secret's form is recognisable
_SHORTEST_SECRET = 4  # shorter values would mask ordinary words
_SHORTEST_BASE64 = 8  # a base64 core shorter than this could be anything
# The reading is probed every `_STEP` characters with a `_PROBE`-character window: any run
# of RUN characters holds one probe whole, so a run is never missed (a probe that hits is
# then checked against the runs themselves).
_PROBE = 6
_STEP = RUN - _PROBE + 1
# Every alternative is bounded or a plain repetition: no backtracking blow-up on any text.
_CODED = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}"  # a surrogate pair
    r"|\\U(?:000[0-9a-fA-F]|0010)[0-9a-fA-F]{4}"  # \U and 8 digits, up to U+10FFFF
    r"|\\[uU][0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[\\/\"'bfnrt]"
    r"|&#[xX][0-9a-fA-F]{1,6};?|&#[0-9]{1,7};?|&[A-Za-z][A-Za-z0-9]{1,31};"
    r"|(?:%[0-9a-fA-F]{2})+"
)
# Every character `str.split()` splits at (a test pins the list), each to a plain space.
_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
_WHITESPACE += "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
_TO_SPACE = str.maketrans(_WHITESPACE, " " * len(_WHITESPACE))
# What a cut may leave of an escape at the very end: dropped before a cut text is read.
_CUT_ESCAPE = re.compile(
    r"(?:\\[uU]?[0-9a-fA-F]{0,7}|\\x[0-9a-fA-F]?|&#?[xX]?[0-9A-Za-z]{0,31}|%[0-9a-fA-F]?)\Z"
)
_LONGEST_ESCAPE = 40
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_SLICES = tuple(slice(i, i + _PROBE) for i in range(0, 8192, _STEP))
_Piece = tuple[int, int, int, int]  # decoded: where in the result, its length; where in the text


def _fold(text: str) -> str:
    """`text` in lower case, character for character (the length never changes)."""
    lower = text.lower()
    # Lower case never shortens a text; a letter it lengthens (İ) leaves non-ASCII ones as is.
    return lower if len(lower) == len(text) else text.translate(_ASCII_LOWER)


def _decoded(piece: str) -> str:
    """What one escape, entity or run of percent-escapes stands for."""
    if piece[0] == "%":
        return bytes.fromhex(piece.replace("%", "")).decode("utf-8", "replace")
    if piece[0] == "&":
        return html.unescape(piece)
    if len(piece) == 2:
        return _SIMPLE_ESCAPES.get(piece[1], piece[1])
    if len(piece) == 12 and piece[1] in "uU":  # a surrogate pair
        high, low = int(piece[2:6], 16), int(piece[8:], 16)
        return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
    code = int(piece[2:], 16)
    return chr(code) if code <= 0x10FFFF else piece


def _decode(text: str) -> tuple[str, list[_Piece]]:
    """`text` with its escapes, entities and percent-escapes decoded, and the pieces decoded."""
    if "\\" not in text and "&" not in text and "%" not in text:
        return text, []
    parts: list[str] = []
    pieces: list[_Piece] = []
    done = at = 0
    for found in _CODED.finditer(text):
        start, end = found.span()
        decoded = _decoded(found.group())
        at += start - done
        pieces.append((at, len(decoded), start, end))
        parts += (text[done:start], decoded)
        at += len(decoded)
        done = end
    parts.append(text[done:])
    return "".join(parts), pieces


def _read(decoded: str) -> str:
    """The reading of decoded text: without whitespace, case folded."""
    return _fold("".join(decoded.split()))


class _Origin:
    """Where the characters of a reading came from in the text it was read from."""

    __slots__ = ("_pieces", "_read", "_starts")

    def __init__(self, decoded: str, pieces: list[_Piece]) -> None:
        # One part per space: part i starts i characters later in `decoded` than in the reading.
        parts = decoded.translate(_TO_SPACE).split(" ")
        self._read = list(accumulate(map(len, parts), initial=0))
        self._pieces = pieces
        self._starts = [piece[0] for piece in pieces]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Where the reading's characters `start` to `end` (excluded) were in the text."""
        return self._in_text(self._decoded(start))[0], self._in_text(self._decoded(end - 1))[1]

    def _decoded(self, index: int) -> int:
        return index + bisect_right(self._read, index) - 1

    def _in_text(self, index: int) -> tuple[int, int]:
        piece = bisect_right(self._starts, index) - 1
        if piece < 0:
            return index, index + 1
        at, length, start, end = self._pieces[piece]
        if index < at + length:
            return start, end
        shift = end - at - length
        return index + shift, index + shift + 1


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


def _forms(secret: str) -> set[str]:
    """The forms of `secret` the mask looks for in its reading: the secret (without
    whitespace), its bytes in hex and its base64 cores, case folded."""
    raw = secret.encode()
    return {_fold(f) for f in ("".join(secret.split()), raw.hex(), *_base64_cores(raw))}


def _grams(forms: Iterable[str], size: int) -> frozenset[str]:
    return frozenset(f[i : i + size] for f in forms for i in range(len(f) - size + 1))


class Masker:
    """Replaces secrets, in any of their forms, wherever they appear in text for people.

    Build one per set of secrets (`masker` keeps them): it holds every `RUN`-character run
    of every form of each long secret, looked up as it reads.
    """

    __slots__ = ("_forms", "_probes", "_runs", "_whole")

    def __init__(self, secrets: Iterable[str]) -> None:
        sizes = {s: len("".join(s.split())) for s in secrets}
        long = {f for s, n in sizes.items() if n >= RUN for f in _forms(s)}
        short = {f for s, n in sizes.items() if _SHORTEST_SECRET <= n < RUN for f in _forms(s)}
        self._forms = tuple(long | short)
        self._whole = tuple(short)
        self._runs = _grams(long, RUN)
        self._probes = _grams(long, _PROBE)

    def __call__(self, text: str, *, cut: bool = False) -> str:
        """`text` with every recognisable secret masked; `cut`: the text was cut short at
        its end, so the start of a secret there is masked too."""
        if not self._forms:
            return text
        if cut:
            partial = _CUT_ESCAPE.search(text, max(0, len(text) - _LONGEST_ESCAPE))
            text = text if partial is None else text[: partial.start()]
        decoded, pieces = _decode(text)
        reading = _read(decoded)
        spans = sorted(self._found(reading, cut))
        if not spans:
            return text
        origin = _Origin(decoded, pieces)
        return _replaced(text, [origin.span(start, end) for start, end in _merged(spans)])

    def _found(self, reading: str, cut: bool) -> Iterator[tuple[int, int]]:
        """Spans of the reading that are recognisable, possibly overlapping."""
        yield from ((start, start + RUN) for start in self._runs_in(reading))
        for form in self._whole:
            yield from _occurrences(reading, form)
        if cut:
            yield from self._cut_starts(reading)

    def _runs_in(self, reading: str) -> set[int]:
        """Where every run of `RUN` characters of a long secret's form starts."""
        count = (len(reading) - _PROBE) // _STEP + 1
        slices = islice(_SLICES, count) if count <= len(_SLICES) else _every_probe(count)
        # The probes every _STEP characters, in C loops: hardly ever one of a secret's.
        hits = self._probes.intersection(map(reading.__getitem__, slices))
        last = len(reading) - RUN
        return {
            start
            for probe in hits
            for at, _ in _occurrences(reading, probe)
            for start in range(max(0, at + _PROBE - RUN), min(at, last) + 1)
            if reading[start : start + RUN] in self._runs
        }

    def _cut_starts(self, reading: str) -> Iterator[tuple[int, int]]:
        """The longest start (4 characters or more) of each form that ends the reading."""
        for form in self._forms:
            tail = reading[-(len(form) - 1) :]
            at = tail.find(form[:_SHORTEST_SECRET])
            while at >= 0 and not form.startswith(tail[at:]):
                at = tail.find(form[:_SHORTEST_SECRET], at + 1)
            if at >= 0:
                yield len(reading) - len(tail) + at, len(reading)


def _occurrences(text: str, part: str) -> Iterator[tuple[int, int]]:
    at = text.find(part)
    while at >= 0:
        yield at, at + len(part)
        at = text.find(part, at + 1)


def _every_probe(count: int) -> Iterator[slice]:
    return (slice(i, i + _PROBE) for i in range(0, count * _STEP, _STEP))


def _merged(spans: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Sorted spans with the overlapping ones merged (touching ones stay apart)."""
    start, end = spans[0]
    for a, b in spans[1:]:
        if a < end:
            end = max(end, b)
            continue
        yield start, end
        start, end = a, b
    yield start, end


def _replaced(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span (sorted), overlapping ones merged, replaced by one `MASK`."""
    pieces: list[str] = []
    done = 0
    for start, end in _merged(spans):
        pieces += (text[done:start], MASK)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


@functools.lru_cache(maxsize=16)
def masker(secrets: tuple[str, ...]) -> Masker:
    """The `Masker` of these secrets, built once and shared (every user, every excerpt)."""
    return Masker(secrets)


def mask(text: str, secrets: Iterable[str], *, cut: bool = False) -> str:
    """`text` with every secret in it masked (see `Masker`)."""
    return masker(tuple(secrets))(text, cut=cut)
