"""The engine's transport on Locust's FastHttpUser: sends, and reports to Locust's stats."""

from __future__ import annotations

import errno
import functools
import json
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import gevent
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS, FastHttpUser

from loadspec.locust.bodies import BodyError, read_body
from loadspec.locust.pacing import Pacer
from loadspec.locust.resend import count_every_reset
from loadspec.runtime.calls import Call, Reply, grouped
from loadspec.runtime.engine import Judge

__all__ = ["Failed", "FastHttpTransport", "row_name"]

count_every_reset()


class FastHttpTransport:
    """Sends the engine's calls with a user's FastHttpSession; every outcome is a stats row."""

    def __init__(
        self,
        user: FastHttpUser,
        fallback_host: str | None = None,
        pacer: Pacer | None = None,
        mask: Callable[[str], str] = str,
        max_body: int = 16_000_000,
    ) -> None:
        self.user = user
        self.fallback_host = fallback_host.rstrip("/") if fallback_host else None
        self.max_body = max_body
        # Joined to every path, which starts with "/": a host typed with its slash loses it.
        self.base_url = (user.client.base_url or "").rstrip("/")
        self.pacer = pacer
        # Every failure text reaches every report through here: the last place to mask it.
        self.mask = mask

    def exchange(self, call: Call, judge: Judge) -> Reply:
        """Send `call` (in its turn, when the run is paced); mark it failed in the stats with
        the judge's message, if any."""
        if self.pacer is None:
            return self._exchange(call, judge)
        with self.pacer.turn():
            return self._exchange(call, judge)

    def _exchange(self, call: Call, judge: Judge) -> Reply:
        # The lean path through Locust: FastHttpSession's own send (errors caught, as
        # `request()` does), then one request event with every field `request()` fires. It
        # skips what a spec cannot use (`catch_response`'s context manager, header copies, a
        # `rename_request` name) and reports the same statistics: about 3% of a request's CPU.
        session = self.user.client
        url = self._url(call)
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        data, headers = _payload(call)
        start_time = time.time()
        started = time.perf_counter()
        try:
            response = session._send_request_safe_mode(
                call.method, url, payload=data, headers=headers
            )
            reply = _reply(response, started, self.max_body)
        except Exception as exc:
            response = None
            reply = _broken(exc, started)
        failure = judge(reply)
        session.request_event.fire(
            request_type=call.method,
            name=row_name(call.method, call.name),
            response_time=reply.elapsed_ms,
            response_length=len(reply.body),
            exception=None if failure is None else Failed.of(self.mask(failure)),
            context=self.user.context(),
            response=response,
            start_time=start_time,
            url=url,
        )
        return reply

    def record(self, kind: str, name: str, elapsed_ms: float, failure: str | None) -> None:
        """A stats row for what is not one request: a wait, or a request never sent."""
        self.user.environment.events.request.fire(
            request_type=kind,
            name=row_name(kind, name),
            response_time=elapsed_ms,
            response_length=0,
            exception=None if failure is None else Failed.of(self.mask(failure)),
            context={},
        )

    def sleep(self, seconds: float) -> None:
        """Pause this user only (a greenlet sleep)."""
        gevent.sleep(seconds)

    def _url(self, call: Call) -> str:
        path = call.path
        if call.params:
            path += ("&" if "?" in path else "?") + urlencode(call.params, doseq=True)
        if call.use_fallback and self.fallback_host:
            return self.fallback_host + path
        return path


class Failed(Exception):
    """A failed request's message, shown as its plain text in every report.

    Attributes:
        example: the message with its real ids, when grouping replaced some (`of`).
    """

    example: str | None = None

    @classmethod
    def of(cls, message: str) -> Failed:
        """The failure `message` (masked) makes: its ids grouped, the real text its example."""
        failed = cls(grouped(message))
        if str(failed) != message:
            failed.example = message
        return failed

    def __repr__(self) -> str:
        # Locust keys and shows failures by repr(exception): the text itself, not
        # `CatchResponseError('...')` with its quotes escaped.
        return str(self)


ACCEPT_ENCODING = "gzip, deflate, br"
"""What a request accepts unless its spec says otherwise: FastHttpSession.request's default."""


@functools.cache
def row_name(kind: str, name: str) -> str:
    """A stats row's name without its method: Locust shows the type in its own column."""
    return name.removeprefix(f"{kind} ")


def _payload(call: Call) -> tuple[bytes | None, dict[str, str]]:
    headers = dict(call.headers)
    if "Accept-Encoding" not in headers and "accept-encoding" not in headers:
        headers["Accept-Encoding"] = ACCEPT_ENCODING
    if call.files:
        body, content_type = _multipart(call.form or {}, call.files)
        headers.setdefault("Content-Type", content_type)
        return body, headers
    if call.form is not None:
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return urlencode(call.form, doseq=True).encode(), headers
    if call.json is not None:
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(call.json).encode(), headers
    return None, headers


def _multipart(
    fields: Mapping[str, Any], files: Mapping[str, tuple[str, bytes, str]]
) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, content, kind) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {kind}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _reply(response: Any, started: float, max_body: int) -> Reply:
    """The reply, its body read in full (the time to it is the request's time)."""
    error = getattr(response, "error", None) if not response.status_code else None
    if error is None and response.status_code:
        try:
            body = read_body(response, max_body)
        except FAILURE_EXCEPTIONS as exc:  # the connection broke while the body was read
            error = exc
        except BodyError as exc:
            elapsed_ms = (time.perf_counter() - started) * 1000
            return Reply(0, elapsed_ms=elapsed_ms, error=str(exc))
        else:
            elapsed_ms = (time.perf_counter() - started) * 1000
            headers = response.headers or {}
            content_type = headers.get("content-type")
            return Reply(response.status_code, body, content_type, elapsed_ms)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return Reply(0, elapsed_ms=elapsed_ms, error=_describe(error), refused=_refused(error))


def _broken(exc: Exception, started: float) -> Reply:
    elapsed_ms = (time.perf_counter() - started) * 1000
    text = " ".join((str(exc) or type(exc).__name__).split())[:200]
    return Reply(0, elapsed_ms=elapsed_ms, error=f"no response: {type(exc).__name__}: {text}")


_UNREACHABLE = frozenset({errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH})


def _refused(error: Any) -> bool:
    """No connection could be made: nothing listens there, or no route to it."""
    return isinstance(error, socket.gaierror) or (
        isinstance(error, OSError) and error.errno in _UNREACHABLE
    )


def _describe(error: Any) -> str:
    if error is None:
        return "no response"
    text = str(error) or type(error).__name__
    if "timed out" in text.lower() or "timeout" in type(error).__name__.lower():
        return f"timed out ({type(error).__name__})"
    return f"no response: {type(error).__name__}: {text}"
