"""What the engine hands a transport and what it gets back: plain data, no HTTP library."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loadspec.inputs.masking import mask
from loadspec.language.model import Step

__all__ = ["Call", "Failure", "Reply", "excerpt", "grouped"]

_EXCERPT = 160
_READ = _EXCERPT * 4  # bytes of a body an excerpt reads
_ID = re.compile(r"\b(?=[0-9a-fA-F-]*\d)[0-9a-fA-F]{8,}(?:-[0-9a-fA-F]{4,}){0,4}\b")
# What an excerpt's cut leaves of an id at its end (`"3f2a9c1e-55…`): the rest of a group.
_CUT_ID = re.compile(r"(?:<id>)?-?\b(?=[0-9a-fA-F-]*\d)[0-9a-fA-F-]+…\Z")


@dataclass(slots=True)
class Call:
    """One request, rendered and ready to send; read-only by convention.

    Not a frozen dataclass: a frozen one's `__init__` costs about 3 µs more per request
    (`object.__setattr__` for each field), and one is built for every request.

    Attributes:
        method: HTTP method.
        path: the rendered path (may carry a query string of its own).
        name: the stats name: method and the unrendered path template.
        params: query parameters.
        headers: request headers, Authorization included.
        json: JSON body, or None.
        form: form fields (multipart or urlencoded), or None.
        files: multipart files: field -> (filename, bytes, content type).
        use_fallback: send to the fallback host instead of the main one.
        step: the key of the step it is sent for (`Step.key`).
    """

    method: str
    path: str
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None
    form: Mapping[str, Any] | None = None
    files: Mapping[str, tuple[str, bytes, str]] | None = None
    use_fallback: bool = False
    step: str = ""


class Failure(str):
    """A failure's message (`step_id: what went wrong`), with its reason code and step.

    A `str`, so every report and Locust's failure rows take it as the text it is; `loadspec
    check` reads `code` (`EXTRACT_MISSED`, `CALLBACK_TIMEOUT`...) and `key` (the step's
    `Step.key`). Made only when something fails, never on the path of a request that passes.
    """

    code: str
    key: str

    def __new__(cls, step: Step, code: str, text: str) -> Failure:
        failure = super().__new__(cls, f"{step.id}: {text}")
        failure.code, failure.key = code, step.key
        return failure


@dataclass(slots=True)
class Reply:
    """What came back: a status and a body, or the error that stood in their way.

    Attributes:
        status: HTTP status; 0 when no response arrived.
        body: raw body bytes.
        content_type: the Content-Type header, if any.
        elapsed_ms: time to the complete response.
        error: connection error, timeout, reset... (None when a response arrived).
        refused: no connection could be made at all (nothing listens, no route to the host).
    """

    status: int
    body: bytes = b""
    content_type: str | None = None
    elapsed_ms: float = 0.0
    error: str | None = None
    refused: bool = False
    _document: tuple[bool, Any] | None = field(default=None, repr=False)

    def json(self) -> tuple[bool, Any]:
        """(True, document) when the body is JSON, else (False, None); parsed once."""
        if self._document is None:
            try:
                self._document = (True, json.loads(self.body)) if self.body else (False, None)
            except (ValueError, UnicodeDecodeError):
                self._document = (False, None)
        return self._document


def excerpt(body: bytes, secrets: tuple[str, ...] = ()) -> str:
    """A short, one-line excerpt of a body for a failure message, secrets masked.

    Secrets are masked before anything is cut, the bytes read told apart from a whole body,
    so no cut shows part of one. Ids are kept: `grouped` replaces them where failures are
    counted, and the real text is the failure's example.
    """
    if len(body) > _READ:
        # The incremental decoder holds back a character the cut split, instead of U+FFFD.
        head = codecs.getincrementaldecoder("utf-8")("replace").decode(body[:_READ])
        text = mask(head, secrets, cut=True)
    else:
        text = mask(body.decode("utf-8", "replace"), secrets)
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[: _EXCERPT - 1] + "…"


def grouped(message: str) -> str:
    """A failure message with its ids (long hex or digit runs, uuids) as `<id>`.

    Locust groups failures by message: one broken behaviour stays one row instead of one row
    per channel or message (an id the excerpt's cut split included).
    """
    return _CUT_ID.sub("<id>…", _ID.sub("<id>", message))
