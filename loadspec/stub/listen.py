"""`python -m loadspec.stub.listen`: print the stub's callbacks as they arrive, signature checked.

A debugging aid for trying the gateway by hand (the harness's own listener is
`loadspec.webhooks`). Listens on loopback only; answers 200 to every POST.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from loadspec.config.register import add_options, option_values
from loadspec.config.table import Command
from loadspec.errors import LoadspecError
from loadspec.webhooks.signing import (
    DEFAULT_WEBHOOK_SECRET,
    CallbackSignatureError,
    verify_callback,
)

__all__ = ["main"]


def _handler(secret: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                verify_callback(body, self.headers.get("authorization", ""), secret)
                verdict = "signature ok"
            except CallbackSignatureError as exc:
                verdict = f"SIGNATURE REJECTED: {exc}"
            print(f"POST {self.path} ({verdict})\n{_pretty(body)}", flush=True)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def _pretty(body: bytes) -> str:
    try:
        return json.dumps(json.loads(body), indent=2)
    except ValueError:
        return body.decode("utf-8", "replace")


def main(argv: Sequence[str] | None = None) -> int:
    """Listen until Ctrl+C."""
    parser = argparse.ArgumentParser(
        prog="python -m loadspec.stub.listen", description="Print the embedded gateway's callbacks."
    )
    add_options(parser, Command.LISTEN)
    try:
        values = option_values(parser.parse_args(argv), Command.LISTEN, {}, os.environ)
    except LoadspecError as exc:
        parser.error(str(exc))
    secret = values["webhook_secret"] or DEFAULT_WEBHOOK_SECRET
    server = ThreadingHTTPServer(("127.0.0.1", values["port"]), _handler(secret))
    print(f"listening for callbacks on http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
