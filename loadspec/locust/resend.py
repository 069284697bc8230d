"""A reset is one failure: geventhttpclient must not resend a request the server reset.

geventhttpclient resends an idempotent request (GET, PUT, DELETE...) when the connection
closes before any answer byte, which is right for a keep-alive connection the server had
already closed (a clean end of file), and wrong for a reset that answers the request itself:
under load, a GET that the server reset would then vanish from the statistics, while a reset
POST fails. Here a reset before any answer byte is raised as a reset (reported once, like a
POST's); a clean close still lets the client resend on a fresh connection.
"""

from __future__ import annotations

import errno
from typing import Any

from geventhttpclient import client
from geventhttpclient.response import HTTPConnectionClosed, HTTPSocketPoolResponse

__all__ = ["count_every_reset"]


class _ResetIsFinal(HTTPSocketPoolResponse):
    """The client's response class, but a reset before the first byte is not a clean close."""

    def _read_headers(self, pre_buffered: bytes = b"") -> None:
        try:
            super()._read_headers(pre_buffered)
        except HTTPConnectionClosed as exc:
            cause: Any = exc.__context__
            if isinstance(cause, OSError) and cause.errno == errno.ECONNRESET:
                raise ConnectionResetError(errno.ECONNRESET, "connection reset by peer") from None
            raise


def count_every_reset() -> None:
    """Have every HTTP client of this process report resets instead of resending (idempotent)."""
    # The client builds its responses from this module global; nothing else selects it.
    setattr(client, "HTTPSocketPoolResponse", _ResetIsFinal)  # noqa: B010 -- private name
