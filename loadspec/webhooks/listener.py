"""The webhook listener: one gevent HTTP server per load process, on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from gevent.pywsgi import WSGIServer

from loadspec.webhooks.box import CallbackBox
from loadspec.webhooks.signing import CallbackSignatureError, verify_callback

__all__ = ["Listener", "Report"]

MAX_BODY = 1 << 20
PATH = "/callbacks"
_log = logging.getLogger("loadspec.webhooks")

Report = Callable[[str, int, "str | None"], None]
"""Called for every callback received: (name, body length, failure or None)."""

_StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Listener:
    """Receives signed callbacks, rejects (and counts) forged ones, hands the rest to a box."""

    def __init__(self, box: CallbackBox, secret: str, report: Report | None = None) -> None:
        self.box = box
        self.secret = secret
        self.report = report or (lambda name, size, failure: None)
        self._server = WSGIServer(("127.0.0.1", 0), self._app, log=None, error_log=_log)

    @property
    def url(self) -> str:
        """Where callbacks are to be POSTed."""
        return f"http://127.0.0.1:{self._server.server_port}{PATH}"

    def start(self) -> Listener:
        """Listen on a free loopback port (returns at once; serving runs in a greenlet)."""
        self._server.start()
        _log.info("webhook listener on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._server.stop(timeout=1)

    def _app(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        status, message = self._handle(environ)
        body = json.dumps({"ok": status == 200, "message": message}).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Rejected'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def _handle(self, environ: dict[str, Any]) -> tuple[int, str]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != PATH:
            return 404, "POST callbacks to " + PATH
        size = int(environ.get("CONTENT_LENGTH") or 0)
        if size > MAX_BODY:
            return self._reject(413, "callback body too large", size)
        try:
            body = environ["wsgi.input"].read(size)
        except OSError as exc:
            # The sender hung up mid-body (a gateway stopping, say). Not a forgery: the sender
            # retries, and a callback that never arrives shows as its wait's failure.
            self.box.counts["incomplete"] = self.box.counts.get("incomplete", 0) + 1
            return 400, f"incomplete callback body: {exc}"
        return self._accept(body, environ.get("HTTP_AUTHORIZATION", ""))

    def _accept(self, body: bytes, authorization: str) -> tuple[int, str]:
        try:
            claims = verify_callback(body, authorization, self.secret, issuer=None)
        except CallbackSignatureError as exc:
            return self._reject(401, f"forged or unsigned callback rejected: {exc}", len(body))
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return self._reject(400, "callback body is not a JSON object", len(body))
        delivery = str(payload.get("id") or claims.get("jti") or hashlib.sha256(body).hexdigest())
        outcome = self.box.deliver(payload, delivery)
        self.report(f"{payload.get('event', '?')} ({outcome})", len(body), None)
        return 200, outcome

    def _reject(self, status: int, message: str, size: int) -> tuple[int, str]:
        self.box.counts["rejected"] = self.box.counts.get("rejected", 0) + 1
        self.report("rejected", size, message)
        return status, message
