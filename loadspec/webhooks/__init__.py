"""The harness's webhook listener and the box that matches callbacks to waits (gevent)."""

from loadspec.webhooks.box import CallbackBox, subject_of
from loadspec.webhooks.listener import Listener

__all__ = ["CallbackBox", "Listener", "subject_of"]
