"""A contract's operations as the mock serves them: checks, replies, resource kind, shapes.

Everything a request needs is worked out once, when the mock starts: parameters, the body's
compiled validator, the security alternatives, the documented replies and their examples,
callbacks, and where in the success answer the resource's record (and its id) sits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.contract.bundle import RefBases
from loadspec.contract.lookup import Contract, ContractVersion, Operation, load_contract
from loadspec.contract.refs import follow, resolve
from loadspec.contract.validators import CompiledSchema, SchemaDocument
from loadspec.errors import ContractError
from loadspec.mock.generate import flatten, properties

__all__ = ["Kind", "MockOperation", "Param", "Reply", "Scheme", "compile_operations", "contracts"]

_SUFFIXES = (".json", ".yaml", ".yml")
_JSON = "application/json"
_ID_KEYS = ("id", "uid", "_id", "uuid")
_MAX_SHAPE_DEPTH = 3


class Kind(enum.StrEnum):
    """What an operation does to its resource's records."""

    CREATE = "create"  # POST on a collection
    READ = "read"  # GET on an item
    UPDATE = "update"  # PUT/PATCH on an item (or on a collection, naming the id in the body)
    DELETE = "delete"  # DELETE on an item
    LIST = "list"  # GET on a collection whose answer holds an array of records
    ACTION = "action"  # anything else: answered, no record kept


@dataclass(frozen=True, slots=True)
class Param:
    """A path, query or header parameter, its schema flattened."""

    name: str
    where: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Scheme:
    """Where one security scheme's credential is sent: a header, query or cookie name."""

    where: str
    name: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One documented response: its schema, its examples (by name; "" for a lone `example`)
    and its compiled validator (an example that breaks the schema is not answered)."""

    status: int
    schema: Any = None
    examples: Mapping[str, Any] = field(default_factory=dict)
    check: CompiledSchema | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Callback:
    """One OpenAPI 3 callback: the URL's runtime expression, its method and body."""

    name: str
    expression: str
    method: str
    body: Reply


@dataclass(frozen=True, slots=True, eq=False)
class MockOperation:
    """One operation, ready to be served.

    Attributes:
        method: upper case.
        path: the full path template (base path joined).
        doc: the bundled contract document its schemas live in.
        version: which specification the contract follows.
        params: path, query and header parameters (operation level over path level).
        body: the compiled request body validator, or None when no JSON body is documented.
        body_required: whether a body must be sent.
        body_schema: the request body's schema (for records' declared fields).
        security: alternatives, each a tuple of schemes all needed; () when none is needed.
        replies: documented replies by status.
        success: the status of a success answer.
        invalid: the status of a refused request (the contract's 400 or 422, else 400).
        callbacks: the operation's OpenAPI 3 callbacks.
        kind: what it does to its resource.
        id_param: the path parameter naming the record (item operations).
        record: path, in the success answer, of the record's object (None: no record).
        items: path, in the success answer, of the array of records (lists).
        id_key: the record's id member.
        fields: the record's declared members (empty: any).
        statuses: the values its `status` member's schema allows (the pending rule's input).
        short_path: the path without the contract's base path (OpenAPI 3 `servers` path,
            Swagger 2 `basePath`), also served: specs may name an operation either way.
    """

    method: str
    path: str
    doc: Any = field(repr=False)
    version: ContractVersion
    params: tuple[Param, ...] = ()
    body: CompiledSchema | None = field(default=None, repr=False)
    body_required: bool = False
    body_schema: Any = field(default=None, repr=False)
    security: tuple[tuple[Scheme, ...], ...] = ()
    replies: Mapping[int, Reply] = field(default_factory=dict, repr=False)
    success: int = 200
    invalid: int = 400
    callbacks: tuple[Callback, ...] = ()
    kind: Kind = Kind.ACTION
    id_param: str | None = None
    record: tuple[str, ...] | None = None
    items: tuple[str, ...] | None = None
    id_key: str | None = None
    fields: frozenset[str] = frozenset()
    statuses: tuple[Any, ...] = ()
    short_path: str = ""

    @property
    def stateful(self) -> bool:
        """Whether it reads or changes records (a DELETE of an item always does)."""
        if self.kind is Kind.DELETE:
            return self.id_param is not None
        return self.kind is not Kind.ACTION and self.id_key is not None


def contracts(paths: tuple[Path, ...], bases: RefBases) -> Iterator[Contract]:
    """Every contract named: files as given (a bad one is an error), folders searched (files
    there that are no contract are passed over)."""
    for path in paths:
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.suffix.lower() in _SUFFIXES):
                try:
                    yield load_contract(found, bases)
                except ContractError:
                    continue
        else:
            yield load_contract(path, bases)


def compile_operations(contract: Contract) -> Iterator[MockOperation]:
    """The contract's operations, each ready to serve."""
    document = SchemaDocument.of(contract)
    for operation in contract.operations():
        yield _compile(contract, document, operation)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _compile(contract: Contract, document: SchemaDocument, op: Operation) -> MockOperation:
    doc = contract.raw
    item_pointer = f"/paths/{_escape(op.contract_path)}"
    pointer = f"{item_pointer}/{_escape(op.method.lower())}"
    params, body_pointer, body_required = _params(contract, item_pointer, pointer)
    replies = _replies(contract, document, f"{pointer}/responses")
    success = min((s for s in replies if 200 <= s < 300), default=200)
    kind, id_param = _kind(op)
    body_schema = _at(doc, body_pointer)
    record, items, id_key, props = _shape(doc, replies.get(success), kind, id_param, body_schema)
    status = flatten(doc, props.get("status")) if "status" in props else {}
    return MockOperation(
        method=op.method,
        path=op.path,
        short_path=op.path.removeprefix(op.base_path.rstrip("/")) if op.base_path else "",
        doc=doc,
        version=contract.version,
        params=params,
        body=document.validator(body_pointer) if body_pointer else None,
        body_required=body_required,
        body_schema=body_schema,
        security=_security(doc, op.raw),
        replies=replies,
        success=success,
        invalid=400 if 400 in replies or 422 not in replies else 422,
        callbacks=tuple(_callbacks(contract, op.raw.get("callbacks"))),
        kind=kind,
        id_param=id_param,
        record=record,
        items=items,
        id_key=id_key,
        fields=frozenset(props),
        statuses=tuple(status.get("enum") or ()),
    )


def _at(doc: Any, pointer: str | None) -> Any:
    if not pointer:
        return None
    node: Any = doc
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _params(
    contract: Contract, item_pointer: str, pointer: str
) -> tuple[tuple[Param, ...], str | None, bool]:
    doc = contract.raw
    found: dict[tuple[str, str], Param] = {}
    body: tuple[str | None, bool] = (None, False)
    for base in (item_pointer, pointer):
        listed = _at(doc, base + "/parameters")
        for index, raw in enumerate(listed if isinstance(listed, list) else ()):
            node, where = follow(doc, raw, f"{base}/parameters/{index}")
            if not isinstance(node, Mapping) or not isinstance(node.get("name"), str):
                continue
            place = str(node.get("in", ""))
            if place == "body":
                body = (where + "/schema", bool(node.get("required")))
                continue
            schema = flatten(doc, node.get("schema", node))
            required = bool(node.get("required")) or place == "path"
            found[(place, node["name"])] = Param(node["name"], place, required, schema)
    if contract.version is not ContractVersion.SWAGGER2:
        body = _request_body(doc, pointer)
    return tuple(found.values()), body[0], body[1]


def _request_body(doc: Any, pointer: str) -> tuple[str | None, bool]:
    node, where = follow(doc, _at(doc, pointer + "/requestBody"), pointer + "/requestBody")
    if not isinstance(node, Mapping) or not isinstance(node.get("content"), Mapping):
        return None, False
    content = node["content"]
    media = next((m for m in content if m.split(";")[0].strip().endswith("json")), None)
    if media is None or not isinstance(content[media], Mapping) or "schema" not in content[media]:
        return None, bool(node.get("required"))
    return f"{where}/content/{_escape(media)}/schema", bool(node.get("required"))


def _replies(contract: Contract, document: SchemaDocument, pointer: str) -> dict[int, Reply]:
    doc = contract.raw
    responses = _at(doc, pointer)
    replies: dict[int, Reply] = {}
    for code, raw in (responses or {}).items() if isinstance(responses, Mapping) else ():
        status = 200 if str(code) == "default" else int(code) if str(code).isdigit() else None
        node, where = follow(doc, raw, f"{pointer}/{_escape(str(code))}")
        if status is None or not isinstance(node, Mapping) or status in replies:
            continue
        reply, schema_at = _reply(contract, status, node, where)
        if schema_at is not None and reply.schema is not None:
            reply = Reply(reply.status, reply.schema, reply.examples, document.validator(schema_at))
        replies[status] = reply
    return replies


def _reply(
    contract: Contract, status: int, node: Mapping[str, Any], where: str = ""
) -> tuple[Reply, str | None]:
    if contract.version is ContractVersion.SWAGGER2:
        listed = node.get("examples")
        chosen = listed.get(_JSON) if isinstance(listed, Mapping) else None
        found = {"": chosen} if chosen is not None else {}
        return Reply(status, node.get("schema"), found), f"{where}/schema"
    content = node.get("content")
    if not isinstance(content, Mapping) or not content:
        return Reply(status), None
    media = next((m for m in content if "json" in m), next(iter(content)))
    body = content[media] if isinstance(content[media], Mapping) else {}
    examples: dict[str, Any] = {}
    if "example" in body:
        examples[""] = body["example"]
    for name, raw in (body.get("examples") or {}).items():
        example = resolve(contract.raw, raw)
        if isinstance(example, Mapping) and "value" in example:
            examples[str(name)] = example["value"]
    return Reply(status, body.get("schema"), examples), f"{where}/content/{_escape(media)}/schema"


def _security(doc: Any, raw: Mapping[str, Any]) -> tuple[tuple[Scheme, ...], ...]:
    required = raw.get("security", doc.get("security"))
    if not isinstance(required, list) or not required:
        return ()
    schemes = _schemes(doc)
    alternatives: list[tuple[Scheme, ...]] = []
    for requirement in required:
        if not isinstance(requirement, Mapping) or not requirement:
            return ()  # `{}` among the alternatives: no credential needed
        alternatives.append(
            tuple(schemes.get(str(n), Scheme("header", "authorization")) for n in requirement)
        )
    return tuple(alternatives)


def _schemes(doc: Any) -> dict[str, Scheme]:
    declared = doc.get("securityDefinitions") or (doc.get("components") or {}).get(
        "securitySchemes"
    )
    schemes: dict[str, Scheme] = {}
    for name, raw in (declared or {}).items() if isinstance(declared, Mapping) else ():
        node = resolve(doc, raw)
        if isinstance(node, Mapping) and node.get("type") == "apiKey":
            where = str(node.get("in", "header"))
            schemes[str(name)] = Scheme(where, str(node.get("name", "")).lower())
        else:
            schemes[str(name)] = Scheme("header", "authorization")
    return schemes


def _callbacks(contract: Contract, raw: Any) -> Iterator[Callback]:
    doc = contract.raw
    for name, entry in (raw or {}).items() if isinstance(raw, Mapping) else ():
        callback = resolve(doc, entry)
        for expression, item in (callback or {}).items() if isinstance(callback, Mapping) else ():
            path_item = resolve(doc, item)
            for method, operation in (path_item or {}).items():
                if not isinstance(operation, Mapping) or method.startswith("x-"):
                    continue
                body = resolve(doc, operation.get("requestBody"))
                reply = _reply(contract, 0, body)[0] if isinstance(body, Mapping) else Reply(0)
                yield Callback(str(name), str(expression), method.upper(), reply)


def _kind(op: Operation) -> tuple[Kind, str | None]:
    last = op.path.rstrip("/").rsplit("/", 1)[-1]
    if last.startswith("{") and last.endswith("}"):
        kinds = {"GET": Kind.READ, "PUT": Kind.UPDATE, "PATCH": Kind.UPDATE, "DELETE": Kind.DELETE}
        return kinds.get(op.method, Kind.ACTION), last[1:-1]
    kinds = {"GET": Kind.LIST, "POST": Kind.CREATE, "PUT": Kind.UPDATE, "PATCH": Kind.UPDATE}
    return kinds.get(op.method, Kind.ACTION), None


Shape = tuple[tuple[str, ...] | None, tuple[str, ...] | None, str | None, Mapping[str, Any]]
_NO_SHAPE: Shape = (None, None, None, {})


def _shape(doc: Any, reply: Reply | None, kind: Kind, id_param: str | None, sent: Any) -> Shape:
    """Where the record (or the array of records) sits in the success answer, and its id."""
    if reply is None or reply.schema is None or kind is Kind.ACTION:
        return _NO_SHAPE
    candidates = _id_candidates(id_param)
    if kind is Kind.LIST:
        found = _find(doc, reply.schema, candidates, arrays=True)
        if found is None:
            return _NO_SHAPE
        path, key, fields = found
        return None, path, key, fields
    # PUT /pet {id, ...}: an update when the body names the record by its id.
    if kind is Kind.UPDATE and id_param is None and not _find(doc, sent, candidates, False, 0):
        return _NO_SHAPE
    found = _find(doc, reply.schema, candidates, arrays=False)
    if found is None:
        return _NO_SHAPE
    path, key, fields = found
    return path, None, key, fields


def _id_candidates(id_param: str | None) -> tuple[str, ...]:
    if id_param is None:
        return _ID_KEYS
    snake = "".join("_" + c.lower() if c.isupper() else c for c in id_param)
    return (id_param, snake, *_ID_KEYS)


def _find(
    doc: Any, schema: Any, candidates: tuple[str, ...], arrays: bool, depth: int = _MAX_SHAPE_DEPTH
) -> tuple[tuple[str, ...], str, Mapping[str, Any]] | None:
    """Breadth first: the first object (or array of objects) with an id member."""
    queue: list[tuple[tuple[str, ...], Any, bool]] = [((), schema, False)]
    while queue:
        path, node, in_array = queue.pop(0)
        flat = flatten(doc, node)
        if flat.get("type") == "array" or "items" in flat:
            if arrays and not in_array:
                queue.append((path, flat.get("items"), True))
            continue
        props = properties(doc, flat)
        key = next((c for c in candidates if c in props), None)
        if key is not None and in_array == arrays:
            return path, key, props
        if len(path) < depth:
            queue.extend(((*path, str(name)), sub, False) for name, sub in props.items())
    return None
