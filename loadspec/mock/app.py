"""The mock behind the stub's front end: route, check, answer, keep records, call back.

`MockDispatcher.handle` turns one fully read `Request` into one `Answer`, synchronously, as the
stub's `Dispatcher` does; `loadspec.stub.server` moves the bytes of both.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Iterable
from typing import Any

from loadspec.contract.bundle import RefBases
from loadspec.mock.answers import (
    Answers,
    Prefer,
    describe,
    error_answer,
    get_at,
    members,
    parse_prefer,
    put_at,
    valid,
)
from loadspec.mock.callbacks import evaluate, stamp
from loadspec.mock.checks import Problem, check_body, check_params, has_credentials
from loadspec.mock.config import MockConfig
from loadspec.mock.operations import Kind, MockOperation, Reply, compile_operations, contracts
from loadspec.mock.routes import Router
from loadspec.mock.store import Record, Store
from loadspec.stub.gateway.callbacks import CallbackSender
from loadspec.stub.gateway.faults import FaultInjector
from loadspec.stub.gateway.front import Served
from loadspec.stub.gateway.http import Answer, Request, dumps

__all__ = ["INTERNAL", "MockDispatcher"]

INTERNAL = "/__loadspec"
LIST_LIMIT = 100  # most records a list answers
_HEALTH = Answer(200, b'{"status":"ok"}')
_NO_CREDENTIALS = Problem(
    "security", "credentials", "missing credentials: the operation requires one of its schemes"
)
_INJECTED = Problem("fault", "$", "injected fault: --error-rate")


class MockDispatcher(Served):
    """A stateful mock of every operation of some contracts, behind any stub front end."""

    internal = INTERNAL

    def __init__(self, config: MockConfig, operations: Iterable[MockOperation]) -> None:
        server = config.server
        self._rng = random.Random(server.seed)
        super().__init__(FaultInjector(server.faults, self._rng))
        self.config = server
        self.callbacks = CallbackSender(server, self._rng)
        self._router = Router(operations)
        self._answers = Answers(server.seed, self._rng)
        self.store = Store(config.max_records)
        self._numbers = itertools.count(1)
        self.unaddressed = 0
        self._accepted = frozenset(config.credentials)
        self._lenient = config.lenient

    @classmethod
    def of(cls, config: MockConfig) -> MockDispatcher:
        """The mock of `config`'s contracts (`ContractError` for a file that is none)."""
        bases = RefBases.of(config.ref_bases)
        operations = [
            operation
            for contract in contracts(config.contracts, bases)
            for operation in compile_operations(contract)
        ]
        return cls(config, operations)

    @property
    def paths(self) -> int:
        return self._router.paths

    def too_large(self, path: str) -> Answer:
        self._count(413)
        problem = Problem(
            "maxBody", "$", f"request body is larger than {self.config.max_body} bytes"
        )
        return error_answer(413, [problem], ((b"connection", b"close"),))

    def head_refused(self, status: int, reason: str) -> Answer:
        self._count(status)
        return error_answer(
            status, [Problem("limits", "head", reason)], ((b"connection", b"close"),)
        )

    def malformed(self, reason: str) -> Answer:
        problem = Problem("http", "request", f"malformed HTTP request: {reason}")
        return error_answer(400, [problem], ((b"connection", b"close"),))

    def _serve(self, request: Request) -> Answer:
        found = self._operation(request)
        if isinstance(found, Answer):
            return found
        operation = found
        if not has_credentials(operation, request, self._accepted):
            return self._refuse(operation, 401, [_NO_CREDENTIALS])
        if self._faults.active and self._faults.error():
            return self._refuse(operation, 500, [_INJECTED])
        problems = check_params(operation, request)
        sent, body_problems = check_body(operation, request.body)
        problems += body_problems
        if not problems:
            return self._answer(operation, request, sent)
        if not self._lenient:
            return self._refuse(operation, operation.invalid, problems)
        answer = self._answer(operation, request, sent if isinstance(sent, dict) else None)
        said = "; ".join(p.message for p in problems).encode("latin-1", "replace")[:2000]
        header = (b"x-loadspec-mock-problems", said.replace(b"\r", b" ").replace(b"\n", b" "))
        return Answer(answer.status, answer.body, (*answer.headers, header), answer.payload)

    def _operation(self, request: Request) -> MockOperation | Answer:
        """The operation `request` is for (its path parameters bound), else a 404 or 405."""
        matched = self._router.match(request.path, request.raw_path)
        if matched is None:
            text = f"no operation of the contracts has the path {request.path}"
            return error_answer(404, [Problem("path", "path", text)])
        route, request.params = matched
        operation = route.methods.get(request.method)
        if operation is None:
            allowed = route.allow.decode()
            text = f"{request.method} is not documented on {route.path}; it has {allowed}"
            problem = Problem("method", "method", text)
            return error_answer(405, [problem], ((b"allow", route.allow),))
        return operation

    def _answer(self, operation: MockOperation, request: Request, sent: Any) -> Answer:
        prefer = parse_prefer(request.headers.get(b"prefer"))
        if prefer.code is not None and prefer.code in operation.replies:
            return self._plain(operation, operation.replies[prefer.code], prefer)
        reply = operation.replies.get(operation.success) or Reply(operation.success)
        record: Record | None = None
        if operation.stateful:
            answer, record = self._stateful(operation, reply, request, sent, prefer)
        else:
            answer = self._plain(operation, reply, prefer)
        if operation.callbacks and answer.status < 300:
            self._call_back(operation, request, sent, record)
        return answer

    def _refuse(self, op: MockOperation, status: int, problems: list[Problem]) -> Answer:
        """The error answer: the contract's body for `status` where it documents one (the
        problems written into it), else the mock's own `{status, error, errors}`."""
        reply = op.replies.get(status)
        if reply is not None and reply.schema is not None:
            payload = describe(self._answers.payload(op, reply, Prefer()), problems)
            if valid(reply, payload):
                return Answer(status, dumps(payload), (), payload)
        return error_answer(status, problems)

    def _plain(self, operation: MockOperation, reply: Reply, prefer: Prefer) -> Answer:
        if prefer.dynamic:
            payload = self._answers.payload(operation, reply, prefer)
            return Answer(reply.status, b"" if payload is None else dumps(payload), (), payload)
        return Answer(reply.status, self._answers.static(operation, reply, prefer.example))

    def _stateful(
        self, op: MockOperation, reply: Reply, request: Request, sent: Any, prefer: Prefer
    ) -> tuple[Answer, Record | None]:
        path = _under_base(op, request.path.rstrip("/"))
        if op.kind is Kind.CREATE:
            return self._create(op, reply, path, sent, prefer)
        if op.kind is Kind.LIST:
            return self._list(op, reply, path, prefer), None
        collection, uid = path, _id_of(sent, op.id_key)
        if op.id_param is not None:
            collection, uid = path.rpartition("/")[0], request.params.get(op.id_param, "")
        if uid is None:
            return self._plain(op, reply, prefer), None
        if self.store.was_deleted(collection, uid):
            where = f"path.{op.id_param or op.id_key}"
            return self._refuse(op, 404, [Problem("exists", where, f"{uid!r} was deleted")]), None
        if op.kind is Kind.DELETE:
            self.store.delete(collection, uid)
            return self._plain(op, reply, prefer), None
        record = self.store.get(collection, uid) or self._adopt(op, reply, collection, uid)
        if op.kind is Kind.UPDATE:
            changes = members(sent, op.fields)
            changes.pop(op.id_key or "", None)
            payload = self._answers.payload(op, reply, Prefer())
            record.body.update(_kept(op, reply, payload, record.body, changes))
            self.store.put(collection, uid, record)
        return self._with_record(op, reply, record, prefer), record

    def _create(
        self, op: MockOperation, reply: Reply, collection: str, sent: Any, prefer: Prefer
    ) -> tuple[Answer, Record]:
        payload = self._answers.payload(op, reply, prefer)
        node = get_at(payload, op.record or ())
        template = members(node, frozenset())
        body = {**template, **_kept(op, reply, payload, template, members(sent, op.fields))}
        key = op.id_key or "id"
        uid = _id_of(sent, key)
        body[key] = (
            body[key]
            if uid is not None
            else self._answers.new_id(members(node, frozenset()).get(key), next(self._numbers))
        )
        record = Record(body)
        if "status" not in members(sent, frozenset()):
            self._start_pending(op, record)
        self.store.put(collection, str(body[key]), record)
        self.store.created += 1
        payload = put_at(payload, op.record or (), members(record.body, op.fields))
        return Answer(reply.status, dumps(payload), (), payload), record

    def _start_pending(self, op: MockOperation, record: Record) -> None:
        """The pending rule: a record whose `status` may be `pending` and `active` starts
        `pending` and turns `active` after `--activation-delay` (unless the request set it)."""
        if "pending" not in op.statuses or "active" not in op.statuses:
            return
        record.body["status"] = "pending"
        record.change_at = time.monotonic() + self.config.activation_delay.sample(self._rng)
        record.change_to = "active"

    def _adopt(self, op: MockOperation, reply: Reply, collection: str, uid: str) -> Record:
        """A record for an id the mock keeps nothing under: made from the answer's template."""
        template = get_at(self._answers.payload(op, reply, Prefer()), op.record or ())
        body = members(template, frozenset())
        key = op.id_key or "id"
        numeric = isinstance(body.get(key), int) and uid.lstrip("-").isdigit()
        body[key] = int(uid) if numeric else uid
        record = Record(body)
        self.store.put(collection, uid, record)
        return record

    def _with_record(
        self, op: MockOperation, reply: Reply, record: Record, prefer: Prefer
    ) -> Answer:
        payload = self._answers.payload(op, reply, prefer)
        node = members(get_at(payload, op.record or ()), frozenset())
        merged = {**node, **members(record.current(time.monotonic()), op.fields)}
        payload = put_at(payload, op.record or (), merged)
        return Answer(reply.status, dumps(payload), (), payload)

    def _list(self, op: MockOperation, reply: Reply, collection: str, prefer: Prefer) -> Answer:
        payload = self._answers.payload(op, reply, prefer)
        items = self.store.listed(collection, LIST_LIMIT)
        if not items:
            items = self._adopt_listed(op, collection, get_at(payload, op.items or ()))
        listed = [members(item, op.fields) for item in items]
        payload = put_at(payload, op.items or (), listed)
        return Answer(reply.status, dumps(payload), (), payload)

    def _adopt_listed(self, op: MockOperation, collection: str, generated: Any) -> list[Any]:
        """Generated items, each given a fresh id and kept: a read of one finds it."""
        key = op.id_key or "id"
        items: list[Any] = []
        for item in generated if isinstance(generated, list) else ():
            if not isinstance(item, dict):
                continue
            body = dict(item)
            body[key] = self._answers.new_id(item.get(key), next(self._numbers))
            self.store.put(collection, str(body[key]), Record(body))
            items.append(body)
        return items

    def _call_back(
        self, op: MockOperation, request: Request, sent: Any, record: Record | None
    ) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # served outside a server (in-process tests): nothing can be sent
        now = time.monotonic()
        due = record.change_at - now if record is not None and record.change_at else None
        delay = self.config.activation_delay.sample(self._rng) if due is None else max(due, 0.0)
        for callback in op.callbacks:
            url = evaluate(callback.expression, request, sent)
            if url is None:
                self.unaddressed += 1
                continue
            body = self._callback_body(op, callback.body, record)
            self.callbacks.send(url, dumps(body), after=delay)

    def _callback_body(self, op: MockOperation, reply: Reply, record: Record | None) -> Any:
        examples = reply.examples
        body = next(iter(examples.values())) if examples else None
        if body is None and reply.schema is not None:
            body = self._answers.value(op, reply.schema)
        if record is not None and op.id_key is not None:
            final = {**record.body}
            if record.change_at:
                final["status"] = record.change_to
            body = stamp(body, final, op.id_key)
        return body

    def _internal(self, request: Request) -> Answer:
        path = request.path
        if path == f"{INTERNAL}/health":
            return _HEALTH
        if path == f"{INTERNAL}/stats":
            return Answer(200, dumps(self.stats()))
        if path == f"{INTERNAL}/reset" and request.method == "POST":
            forgotten = len(self.store.records)
            self.store.reset()
            return Answer(200, dumps({"reset": True, "forgotten": forgotten}))
        return error_answer(404, [Problem("path", "path", f"no such path: {path}")])

    def stats(self) -> dict[str, Any]:
        """What the mock has done so far (`GET /__loadspec/stats`, outside every contract)."""
        return {
            "requests": self.served,
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "paths": self.paths,
            **self.store.stats(),
            "callbacks": self.callbacks.stats.as_dict(),
            "callbacks_without_url": self.unaddressed,
        }


def _kept(
    op: MockOperation, reply: Reply, payload: Any, base: dict[str, Any], sent: dict[str, Any]
) -> dict[str, Any]:
    """The sent members a record keeps: those its answer's schema allows (a request schema
    may be looser than the answer's); a whole number sent as `1.0` is kept as `1`."""
    sent = {
        k: int(v) if isinstance(v, float) and v.is_integer() and isinstance(base.get(k), int) else v
        for k, v in sent.items()
    }
    if not sent or reply.check is None:
        return sent
    merged = {**base, **sent}
    if valid(reply, put_at(payload, op.record or (), merged)):
        return sent
    at = len(op.record or ())
    for error in reply.check.errors(put_at(payload, op.record or (), merged), 50):
        path = list(error.absolute_path)
        if len(path) > at and str(path[at]) in sent:
            del sent[str(path[at])]
    merged = {**base, **sent}
    return sent if valid(reply, put_at(payload, op.record or (), merged)) else {}


def _id_of(sent: Any, key: str | None) -> str | None:
    if not isinstance(sent, dict) or key is None:
        return None
    value = sent.get(key)
    return None if value is None or value == "" or isinstance(value, dict | list) else str(value)


def _under_base(op: MockOperation, path: str) -> str:
    """`path` as the contract's full path spells it: a request that left out the base path
    (`/pet/7` for `/api/v3/pet/7`) is about the same records."""
    if not op.short_path:
        return path
    base = op.path[: len(op.path) - len(op.short_path)]
    return path if path == base or path.startswith(base + "/") else base + path
