"""OpenAPI 3 callbacks: where each goes (runtime expressions) and what it says.

`{$request.body#/callbackUrl}`, `{$request.query.url}`, `{$request.header.x-hook}`,
`{$request.path.id}`, `$url` and `$method`, alone or inside a URL template. A callback is
sent by the stub's `CallbackSender` (signed with its scheme, its retries and faults) once the
record's activation delay has passed: the record is `active` by then when it was `pending`.
"""

from __future__ import annotations

import re
from typing import Any

from loadspec.contract.refs import at_pointer
from loadspec.stub.gateway.http import Request

__all__ = ["evaluate", "stamp"]

_EXPRESSION = re.compile(r"\{(\$[^{}]+)\}")
_MAX_STAMP_DEPTH = 3


def evaluate(expression: str, request: Request, body: Any) -> str | None:
    """The URL `expression` names for this request, or None when a part of it is missing."""
    if expression.startswith("$"):
        return _one(expression, request, body)
    missing = False

    def one(found: re.Match[str]) -> str:
        nonlocal missing
        value = _one(found.group(1), request, body)
        missing = missing or value is None
        return value or ""

    url = _EXPRESSION.sub(one, expression)
    return None if missing else url


def _one(expression: str, request: Request, body: Any) -> str | None:
    if expression == "$url":
        host = request.header(b"host") or "127.0.0.1"
        query = request.query_string.decode("latin-1")
        return f"http://{host}{request.raw_path}" + (f"?{query}" if query else "")
    if expression == "$method":
        return request.method
    source, _, rest = expression.removeprefix("$request.").partition(".")
    value: Any = None
    if expression.startswith("$request.body"):
        pointer = expression.partition("#")[2]
        value = at_pointer(body, pointer) if pointer else None
    elif source == "path":
        value = request.params.get(rest)
    elif source == "query":
        value = next(iter(request.query.get(rest) or ()), None)
    elif source == "header":
        value = request.header(rest.lower().encode("latin-1"))
    return str(value) if isinstance(value, str | int | float) and value != "" else None


def stamp(payload: Any, record: dict[str, Any], id_key: str) -> Any:
    """`payload` with the record's id and status written where it names a record (an object
    with `id_key`), down to a few levels."""
    stack: list[tuple[Any, int]] = [(payload, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict):
            continue
        if id_key in node:
            node[id_key] = record.get(id_key, node[id_key])
            if "status" in node and "status" in record:
                node["status"] = record["status"]
        if depth < _MAX_STAMP_DEPTH:
            stack.extend((value, depth + 1) for value in node.values())
    return payload
