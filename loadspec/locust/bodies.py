"""A reply's body, read and decompressed up to --max-body-bytes: never more, never a crash.

geventhttpclient reads a whole body, then inflates it whole (`CompatResponse.content`): a
1 MB gzip reply took a process to 2 GB. Here the wire bytes are read in chunks up to the
cap, and inflated with `max_length` one byte past it; whatever is larger, or does not
decode, is a `BodyError`, that step's failure.
"""

from __future__ import annotations

import zlib
from typing import Any

__all__ = ["BodyError", "read_body"]

_CHUNK = 64 * 1024


class BodyError(Exception):
    """A body too large to take, or one whose encoding does not decode."""


def read_body(response: Any, limit: int) -> bytes:
    """`response`'s body (a Locust `FastResponse`), decompressed; `BodyError` beyond `limit`."""
    raw = _read(response._response, limit)  # geventhttpclient's own response, not its wrapper
    encodings = response.headers.getlist("content-encoding") if response.headers else []
    encoding = (encodings[-1] if encodings else "identity").split(",")[-1]
    body = _decoded(raw, encoding.strip().lower(), limit)
    response._cached_content = body  # what `response.content` gives any listener
    response.release()
    return body


def _read(stream: Any, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise BodyError(f"body larger than {limit} bytes (--max-body-bytes): not read further")
    return b"".join(chunks)


def _decoded(raw: bytes, encoding: str, limit: int) -> bytes:
    if encoding in ("identity", ""):
        return raw
    try:
        if encoding in ("gzip", "x-gzip"):
            return _inflate(raw, 16 + zlib.MAX_WBITS, limit)
        if encoding == "deflate":
            try:
                return _inflate(raw, -zlib.MAX_WBITS, limit)
            except zlib.error:
                return _inflate(raw, zlib.MAX_WBITS, limit)
        if encoding == "br":
            return _brotli(raw, limit)
    except zlib.error as exc:
        raise BodyError(f"body does not decode as {encoding}: {exc}") from None
    raise BodyError(f"body has an encoding this client cannot read: {encoding!r}")


def _inflate(raw: bytes, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    body = inflater.decompress(raw, limit + 1)
    if len(body) > limit or inflater.unconsumed_tail:
        raise BodyError(
            f"body larger than {limit} bytes once decompressed (--max-body-bytes): "
            "not decompressed further"
        )
    return body


def _brotli(raw: bytes, limit: int) -> bytes:
    try:
        import brotli  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        raise BodyError("body is br-compressed and brotli is not installed") from None
    inflater = brotli.Decompressor()
    try:
        body: bytes = inflater.process(raw, output_buffer_limit=limit + 1)
    except TypeError:  # a brotli without an output limit could be inflated without end
        raise BodyError("body is br-compressed and this brotli cannot limit it") from None
    except brotli.error as exc:
        raise BodyError(f"body does not decode as br: {exc}") from None
    if len(body) > limit or not inflater.is_finished():
        raise BodyError(f"body larger than {limit} bytes once decompressed (--max-body-bytes)")
    return body
