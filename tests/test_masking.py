"""The one secret mask: every form a server may echo a token in, and every cut, in-process."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from loadspec.contract.conformance import ResponseChecker
from loadspec.contract.lookup import Contract
from loadspec.inputs.masking import MASK, RUN, Masker, mask
from loadspec.runtime.calls import excerpt
from tests.leaks import leaks
from tests.load.test_canary import CONTRACT

ROOT = Path(__file__).resolve().parents[1]
TOKEN = 'Zq7/Lp3+Wx9=Tk2"Vb8-Mn4_Rd6.Hs5!Yc1'
SHORT = "s3cret"
DEV_TOKEN = "loadspec-stub-staff-token"
NAMED = {"/": "&sol;", "+": "&plus;", "=": "&equals;", '"': "&quot;", "-": "&hyphen;"}
NAMED |= {"_": "&lowbar;", ".": "&period;", "!": "&excl;"}


def u_escaped(text: str, every: int = 1) -> str:
    """JSON `\\uXXXX` escapes for every `every`-th character, the rest as is."""
    return "".join(f"\\u{ord(c):04x}" if i % every == 0 else c for i, c in enumerate(text))


def b64(text: str, encode: object = base64.b64encode) -> str:
    return encode(text.encode()).decode()  # type: ignore[operator]


FORMS = {
    "raw": TOKEN,
    "base64": b64(TOKEN),
    "base64 inside a Basic credential": b64(f"staff:{TOKEN}"),
    "base64url inside a longer value": b64(f"Bearer {TOKEN}", base64.urlsafe_b64encode),
    "percent-encoded": quote(TOKEN, safe=""),
    "percent-encoded, lower-case": quote(TOKEN, safe="").replace("%2F", "%2f"),
    "form-encoded": quote_plus(TOKEN),
    "JSON string": json.dumps(TOKEN)[1:-1],
    "JSON \\u-escaped": u_escaped(TOKEN),
    "JSON \\u-escaped, every other character": u_escaped(TOKEN, 2),
    "JSON \\u-escaped, upper-case": u_escaped(TOKEN).upper(),
    "Python \\x-escaped": "".join(f"\\x{b:02x}" for b in TOKEN.encode()),
    "HTML named entities": "".join(NAMED.get(c, c) for c in TOKEN),
    "HTML decimal entities": "".join(f"&#{ord(c)};" for c in TOKEN),
    "HTML hex entities": "".join(f"&#x{ord(c):x};" for c in TOKEN),
    "HTML hex entities, upper-case": "".join(f"&#X{ord(c):X};" for c in TOKEN),
    "hex": TOKEN.encode().hex(),
    "hex, upper-case": TOKEN.encode().hex().upper(),
    "hex bytes split by spaces": " ".join(f"{b:02x}" for b in TOKEN.encode()),
    "upper-case": TOKEN.upper(),
    "lower-case": TOKEN.lower(),
    "mixed case": TOKEN.swapcase(),
    "split by spaces": " ".join(TOKEN),
    "split by line breaks": "\n".join(TOKEN),
    "split by tabs and CRLF": "\t".join(TOKEN[:18]) + "\r\n" + TOKEN[18:],
    "split by JSON-escaped line breaks": "\\n".join(TOKEN),
    "upper-case, split and \\u-escaped": " ".join(
        f"\\U{ord(c):04X}" if i % 3 else c for i, c in enumerate(TOKEN.upper())
    ),
}


@pytest.mark.parametrize("form", FORMS.values(), ids=FORMS.keys())
def test_every_form_of_a_token_is_masked(form: str) -> None:
    """Each form a server may echo a token in reads `[redacted]`; the text around it stays."""
    text = f"before {form} after"
    assert leaks(text, TOKEN), "the oracle must see the form before it is masked"
    masked = Masker([TOKEN])(text)
    assert MASK in masked and not leaks(masked, TOKEN), masked
    assert masked.startswith("before ") and masked.endswith(" after"), masked


SHORT_FORMS = {
    "raw": SHORT,
    "upper-case": SHORT.upper(),
    "split": " ".join(SHORT),
    "JSON \\u-escaped": u_escaped(SHORT),
    "HTML entities": "".join(f"&#{ord(c)};" for c in SHORT),
    "hex": SHORT.encode().hex(),
    "percent-encoded": "".join(f"%{b:02X}" for b in SHORT.encode()),
}


@pytest.mark.parametrize("form", SHORT_FORMS.values(), ids=SHORT_FORMS.keys())
def test_a_short_secret_is_masked_whole_in_every_form(form: str) -> None:
    """A secret shorter than RUN characters is masked whole, in any form."""
    assert Masker([SHORT])(f"token {form}.") == f"token {MASK}."


@pytest.mark.parametrize(
    "space", [c for c in map(chr, range(0x110000)) if c.isspace()], ids=lambda c: f"U+{ord(c):04X}"
)
def test_a_token_split_by_any_whitespace_is_masked_in_place(space: str) -> None:
    """Every character Python counts as whitespace splits a token, and the mask finds where
    the token was: exactly its characters, not one of the text's around it."""
    text = f"a{space}{space.join(TOKEN)}{space}b"
    assert Masker([TOKEN])(text) == f"a{space}{MASK}{space}b"


def test_a_short_secret_is_masked_only_whole() -> None:
    """Part of a short secret is an ordinary word: `s3cre` stays, outside a cut."""
    assert Masker([SHORT])("s3cre s3cret") == f"s3cre {MASK}"


def test_a_value_shorter_than_four_characters_is_never_masked() -> None:
    """Three characters would mask ordinary words: such a value is not masked at all."""
    assert Masker(["abc"])("abc def") == "abc def"


def test_a_run_of_RUN_characters_of_a_long_secret_is_recognisable() -> None:
    """A server quoting part of a token: RUN characters are masked, one fewer are not."""
    masker = Masker([TOKEN])
    assert masker(f"token starts {TOKEN[3 : 3 + RUN]}!") == f"token starts {MASK}!"
    assert masker(f"token starts {TOKEN[3 : 2 + RUN]}!") == f"token starts {TOKEN[3 : 2 + RUN]}!"


def test_every_occurrence_is_masked_apart() -> None:
    """Two secrets and two forms: each is its own `[redacted]`, the words between stay."""
    text = f"{TOKEN} and {SHORT}, then {TOKEN.upper()} and {u_escaped(SHORT)}"
    assert Masker([TOKEN, SHORT])(text) == f"{MASK} and {MASK}, then {MASK} and {MASK}"


def test_words_a_secret_contains_are_not_masked() -> None:
    """The development token holds `loadspec` and `staff token`: ordinary text keeps them."""
    text = (
        'main_request: expected status 201, got 500: {"external_uid": "loadspec-3f2a", '
        '"error": "a staff token is needed", "stub": "loadspec stub staff"}'
    )
    assert Masker([DEV_TOKEN])(text) == text


def test_ordinary_text_is_never_masked() -> None:
    """The README, the architecture page and the changelog, read with the development token,
    a JWT and a random token: not one change."""
    masker = Masker([TOKEN, DEV_TOKEN, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"])
    for name in ("README.md", "ARCHITECTURE.md", "CHANGELOG.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert masker(text) == text, name


@pytest.mark.parametrize("shown", [4, RUN - 1, RUN, len(TOKEN) - 1])
def test_a_cut_never_shows_the_start_of_a_secret(shown: int) -> None:
    """Text cut inside a secret: the start left at the end is masked (4 characters or more)."""
    assert mask(f"cut: {TOKEN[:shown]}", [TOKEN], cut=True) == f"cut: {MASK}"
    assert mask(f"cut: {SHORT[:4]}", [SHORT], cut=True) == f"cut: {MASK}"


def test_three_characters_at_a_cut_are_not_recognisable() -> None:
    """Fewer than 4 characters at a cut are left: they would match too many texts."""
    assert mask(f"cut: {TOKEN[:3]}", [TOKEN], cut=True) == f"cut: {TOKEN[:3]}"


@pytest.mark.parametrize(
    "tail",
    [u_escaped(TOKEN[:6]) + "\\u00", u_escaped(TOKEN[:6]) + "\\", "&#90;&#113;&#55;&#47;&#7"],
    ids=["half an escape", "a backslash", "half an entity"],
)
def test_a_cut_inside_an_escape_still_masks_the_start(tail: str) -> None:
    """The cut falls inside an escape: what it left of the escape goes, the start is masked."""
    masked = mask(f"cut: {tail}", [TOKEN], cut=True)
    assert masked == f"cut: {MASK}" and not leaks(masked, TOKEN), masked


READ = 640  # the bytes of a body an excerpt reads


@pytest.mark.parametrize("shown", [4, RUN - 1, RUN, 20, len(TOKEN) - 1])
def test_a_token_at_the_excerpt_cut_shows_nothing(shown: int) -> None:
    """The excerpt reads 640 bytes: a token across that cut shows none of its characters."""
    body = b'{"error": "' + b" " * (READ - 11 - shown) + TOKEN.encode() + b'"}'
    text = excerpt(body, (TOKEN,))
    assert text == f'{{"error": " {MASK}', text


def test_an_escaped_token_at_the_excerpt_cut_shows_nothing() -> None:
    """The same with the token `\\u`-escaped and the cut inside an escape."""
    escaped = u_escaped(TOKEN).encode()
    body = b" " * (READ - 40) + escaped
    text = excerpt(body, (TOKEN,))
    assert text == MASK and not leaks(text, TOKEN), text


def test_the_excerpt_cut_inside_a_masked_token() -> None:
    """The 160-character cut falls inside where the token was: no piece of it is shown."""
    text = excerpt(b"x" * 155 + TOKEN.encode() + b" and more", (TOKEN,))
    assert text == "x" * 155 + "[red…" and not leaks(text, TOKEN), text


@pytest.mark.parametrize(
    ("length", "shown"),
    [(300, f'{{"token": "{MASK}"}}'), (3000, f'{{"token": "{MASK}')],
    ids=["longer than the excerpt", "longer than what it reads"],
)
def test_a_secret_longer_than_the_excerpt(length: int, shown: str) -> None:
    """A long token (a JWT) is masked whole, even when the excerpt reads only its start."""
    token = (TOKEN * 100)[:length]
    assert excerpt(f'{{"token": "{token}"}}'.encode(), (token,)) == shown


def test_a_token_split_by_whitespace_in_a_body() -> None:
    """A body that spreads a token over lines and spaces: one `[redacted]` in the excerpt."""
    text = excerpt(("error:\n" + "\n  ".join(TOKEN) + "\nend").encode(), (TOKEN,))
    assert text == f"error: {MASK} end", text


def closed_object() -> ResponseChecker:
    """`GET /contract` answers a closed object: any key is a violation that names it."""
    contract = Contract.from_dict(CONTRACT, Path("/virtual/closed.json"))
    operation = contract.find_operation("GET", "/contract")
    assert operation is not None
    return ResponseChecker(operation, contract)


def test_a_contract_message_is_masked_before_it_is_cut() -> None:
    """A reply's unexpected key is the token, right at the message's cut: none of it shows."""
    checker = closed_object()
    keys = [f"A{i:02}" for i in range(27)]  # sorted before the token: it straddles the cut
    body = json.dumps({**dict.fromkeys(keys, 1), TOKEN: 1}).encode()
    plain = checker.violation(200, "application/json", body)
    assert plain is not None and TOKEN[:6] in plain.grouping and TOKEN not in plain.grouping
    masked = checker.violation(200, "application/json", body, Masker([TOKEN]))
    assert masked is not None and masked.grouping.endswith("'[redacte..."), masked  # cut in it
    assert not leaks(masked.grouping, TOKEN) and TOKEN[:4] not in masked.grouping, masked


@pytest.mark.parametrize("padding", [50, 1_000_000], ids=["at the cut", "after a megabyte"])
def test_a_reply_value_is_masked_before_it_is_shortened(padding: int) -> None:
    """A reply that is a string holding the token: its value, cut to 60 characters in the
    message, shows none of it, however long the value."""
    body = json.dumps("x" * padding + TOKEN).encode()
    plain = closed_object().check(200, "application/json", body)
    assert plain is not None and (TOKEN[:6] in plain) == (padding == 50), plain
    masked = closed_object().check(200, "application/json", body, Masker([TOKEN]))
    assert masked is not None and "is not of type 'object'" in masked, masked
    assert not leaks(masked, TOKEN) and TOKEN[:4] not in masked and len(masked) < 200, masked
