"""The harness's webhook listener and the box that matches callbacks to waits (gevent).

Names resolve lazily, so the stub can import `loadspec.webhooks.signing` without gevent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loadspec._lazy import lazy_exports

if TYPE_CHECKING:
    from loadspec.webhooks.box import CallbackBox, subject_of
    from loadspec.webhooks.listener import Listener

__all__ = ["CallbackBox", "Listener", "subject_of"]

__getattr__ = lazy_exports(
    globals(),
    {
        "CallbackBox": "loadspec.webhooks.box",
        "subject_of": "loadspec.webhooks.box",
        "Listener": "loadspec.webhooks.listener",
    },
)
