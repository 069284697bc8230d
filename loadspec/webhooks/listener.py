"""The webhook listener: one gevent HTTP server per load process (127.0.0.1 unless told)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from gevent.pywsgi import WSGIServer

from loadspec.webhooks.box import CallbackBox
from loadspec.webhooks.guard import RateCap, Refused, guarded_handler
from loadspec.webhooks.limits import WebhookLimits
from loadspec.webhooks.signing import CallbackSignatureError, Verifier

__all__ = ["Listener", "Report", "Sink"]

PATH = "/callbacks"
_log = logging.getLogger("loadspec.webhooks")

Report = Callable[[str, int, "str | None"], None]
"""Called for every callback received: (name, body length, failure or None)."""

Sink = Callable[[Mapping[str, Any], str, int], str]
"""Takes a verified callback, its delivery id and its body's size; says what became of it."""

_StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class Listener:
    """Receives signed callbacks, rejects (and counts) forged ones, hands the rest to a box.

    Its `limits` keep a flood from taking the users' event loop: at most `max_rate`
    callbacks a second are handled (the rest get 429 and `Retry-After`, and are counted),
    handling holds the event loop at most `max_share` of the time (never while waiting on
    a client), requests are capped in size and each
    part in time (a client that stalls waits alone), and `iat` must be recent.
    """

    def __init__(
        self,
        box: CallbackBox,
        secret: str,
        report: Report | None = None,
        limits: WebhookLimits | None = None,
        *,
        verifier: Verifier | None = None,
        bind: tuple[str, int] = ("127.0.0.1", 0),
        public_url: str | None = None,
        sink: Sink | None = None,
    ) -> None:
        self.box = box
        self.secret = secret
        self.report = report or (lambda name, size, failure: None)
        self.limits = limits or WebhookLimits()
        self.verifier = verifier or Verifier(secret=secret, max_age=self.limits.max_age)
        self.public_url = public_url
        self.sink: Sink = sink or box.deliver
        self._paths = {PATH, urlsplit(public_url).path or "/"} if public_url else {PATH}
        self._cap = RateCap(self.limits.max_rate)
        self._server = WSGIServer(
            bind,
            self._app,
            log=None,
            error_log=_log,
            handler_class=guarded_handler(self.limits, self._refused),
        )

    @property
    def url(self) -> str:
        """Where callbacks are to be POSTed: the public URL when one is given."""
        return self.public_url or self.local_url

    @property
    def local_url(self) -> str:
        """The address this listener is bound to."""
        host, port = self._server.address[0], self._server.server_port
        return f"http://{'127.0.0.1' if host in ('', '0.0.0.0') else host}:{port}{PATH}"

    def start(self) -> Listener:
        """Listen (returns at once; serving runs in a greenlet)."""
        self._server.start()
        if self.public_url:
            _log.info("webhook listener on %s, advertised as %s", self.local_url, self.url)
        else:
            _log.info("webhook listener on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._server.stop(timeout=1)

    def _app(self, environ: dict[str, Any], start_response: _StartResponse) -> Iterable[bytes]:
        status, message = self._handle(environ)
        body = json.dumps({"ok": status == 200, "message": message}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        if status == 429:
            headers.append(("Retry-After", "1"))
        start_response(f"{status} {'OK' if status == 200 else 'Rejected'}", headers)
        return [body]

    def _handle(self, environ: dict[str, Any]) -> tuple[int, str]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") not in self._paths:
            return 404, "POST callbacks to " + PATH
        body: bytes = environ["wsgi.input"].read()  # read whole by the guard, chunked or not
        if not self._cap.take():
            self.box.counts["throttled"] = self.box.counts.get("throttled", 0) + 1
            text = f"callbacks over {self.limits.max_rate:g}/s: answered 429, the sender retries"
            self.report("throttled", len(body), text)
            return 429, text
        return self._accept(body, _headers(environ))

    def _accept(self, body: bytes, headers: Mapping[str, str]) -> tuple[int, str]:
        try:
            claims = self.verifier.verify(body, headers)
        except CallbackSignatureError as exc:
            return self._reject(401, f"forged or unsigned callback rejected: {exc}", len(body))
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return self._reject(400, "callback body is not a JSON object", len(body))
        delivery = str(payload.get("id") or claims.get("jti") or hashlib.sha256(body).hexdigest())
        outcome = self.sink(payload, delivery, len(body))
        self.report(f"{payload.get('event', '?')} ({outcome})", len(body), None)
        return 200, outcome

    def _refused(self, refusal: Refused) -> None:
        """A request the guard answered itself: a body too large, badly framed, or cut off."""
        if refusal.outcome == "incomplete":
            # The sender hung up or stalled mid-body (a gateway stopping, say). Not a forgery:
            # the sender retries, and a callback that never arrives shows as its wait's failure.
            self.box.counts["incomplete"] = self.box.counts.get("incomplete", 0) + 1
        else:
            self._reject(refusal.status, f"callback refused: {refusal}", refusal.size)

    def _reject(self, status: int, message: str, size: int) -> tuple[int, str]:
        self.box.counts["rejected"] = self.box.counts.get("rejected", 0) + 1
        self.report("rejected", size, message)
        return status, message


def _headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request's headers by lower-case name (`x-hub-signature-256`)."""
    return {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
