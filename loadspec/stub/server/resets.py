"""Connection resets, for the reset fault: a TCP RST instead of an answer."""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any

__all__ = ["reset_connection"]


def reset_connection(transport: Any) -> None:
    """Abort the connection under `transport` with a TCP RST (SO_LINGER 0, then abort)."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
