"""Contracts: load Swagger 2.0 / OpenAPI 3.x files and find the operation behind an endpoint."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from loadspec.contract.bundle import RefBases, bundle
from loadspec.contract.locate import forget_lookups
from loadspec.contract.security import declares_security, operation_security, security_schemes
from loadspec.errors import ContractError, did_you_mean
from loadspec.files import FileRefused, read_regular
from loadspec.security import Security

__all__ = [
    "Contract",
    "ContractError",
    "ContractVersion",
    "Operation",
    "clear_cache",
    "load_contract",
]

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Keys that only a Swagger 2.0 document has: they identify a file that lost its `swagger` key.
_SWAGGER2_ONLY_KEYS = ("basePath", "host", "definitions", "securityDefinitions")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TEMPLATE = re.compile(r"\{+[^{}/]*\}+")
_QUOTED = re.compile(r"\s*('[^']*'|\"[^\"]*\")")


class ContractVersion(enum.StrEnum):
    """Which specification a contract file follows."""

    SWAGGER2 = "swagger2"
    OPENAPI30 = "openapi30"
    OPENAPI31 = "openapi31"


_OPENAPI_VERSIONS = {"3.0": ContractVersion.OPENAPI30, "3.1": ContractVersion.OPENAPI31}


@dataclass(frozen=True, slots=True)
class Operation:
    """One method on one path of a contract.

    Attributes:
        method: the HTTP method, upper case.
        path: the full path (base path joined), with the contract's own parameter names.
        contract_path: the key of this operation's path item in the contract's `paths`.
        operation_id: the contract's `operationId`, if it has one.
        raw: the operation object as the contract holds it.
        contract: the contract file this operation came from.
        security: what its requests carry (its `security`, else the document's); None when
            the contract declares no security scheme at all.
        base_path: the contract's base path (`Contract.base_path`).
    """

    method: str
    path: str
    contract_path: str
    operation_id: str | None
    raw: Mapping[str, Any] = field(compare=False, repr=False)
    contract: Path
    security: Security | None = field(default=None, compare=False, repr=False)
    base_path: str = ""

    @property
    def name(self) -> str:
        """Method and path as the contract's `paths` names it: `GET /pet/{petId}`."""
        return f"{self.method} {_normalise(self.contract_path)}"

    def name_for(self, path: str) -> str:
        """Its name as a step that sends `path` spells it: with the base path if the path
        carries it (`POST /business/communication/channels`), else without (`GET /pet/{petId}`)."""
        if self.base_path and len(_segments(path)) == len(_segments(self.path)):
            return f"{self.method} {self.path}"
        return self.name


@dataclass(frozen=True, slots=True)
class _Route:
    segments: tuple[str | re.Pattern[str], ...]
    path: str
    methods: Mapping[str, Operation]


@dataclass(frozen=True, slots=True, eq=False)
class Contract:
    """A parsed contract file and an index of its operations.

    Attributes:
        path: the file it was read from.
        version: Swagger 2.0, OpenAPI 3.0 or OpenAPI 3.1.
        base_path: what every path is under: `basePath`, or the first server URL's path; or "".
        raw: the whole parsed document, with mapped `$ref`s bundled in (`contract.bundle`).
        notes: things the file got wrong that were read leniently (for warnings, not errors).
        unresolved: `$ref`s to mapped files that could not be read -> why (the file named).
    """

    path: Path
    version: ContractVersion
    base_path: str
    raw: Mapping[str, Any] = field(repr=False)
    notes: tuple[str, ...] = ()
    unresolved: Mapping[str, str] = field(default_factory=dict, repr=False)
    _routes: tuple[_Route, ...] = field(init=False, repr=False)
    _by_length: Mapping[int, tuple[_Route, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        routes, notes = _build_routes(self)
        object.__setattr__(self, "_routes", routes)
        object.__setattr__(self, "notes", self.notes + notes)
        # A path only ever matches routes with as many segments: look only at those.
        by_length: dict[int, list[_Route]] = {}
        for route in routes:
            by_length.setdefault(len(route.segments), []).append(route)
        object.__setattr__(self, "_by_length", {n: tuple(r) for n, r in by_length.items()})

    @classmethod
    def from_path(cls, path: Path | str, bases: RefBases | None = None) -> Contract:
        """Read and parse a JSON or YAML contract file."""
        path = Path(path)
        try:
            text = read_regular(path).decode("utf-8-sig")
        except FileRefused as exc:
            raise ContractError(path, f"cannot read the file: it {exc}") from None
        except UnicodeDecodeError as exc:
            raise ContractError(
                path, f"cannot read the file: not UTF-8 (byte {exc.start + 1})"
            ) from None
        return cls.from_text(text, path, bases)

    @classmethod
    def from_text(cls, text: str, path: Path | str, bases: RefBases | None = None) -> Contract:
        """Parse contract text; JSON for `.json` files or text starting with `{`, else YAML."""
        path = Path(path)
        if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            return cls.from_dict(_parse_json(text, path), path, bases)
        return cls.from_dict(_parse_yaml(text, path), path, bases)

    @classmethod
    def from_dict(cls, data: object, path: Path | str, bases: RefBases | None = None) -> Contract:
        """Check a document's shape and version, bundle its mapped `$ref`s, index operations."""
        path = Path(path)
        if not isinstance(data, Mapping):
            raise ContractError(path, f"expected a mapping at the top, found {_kind(data)}")
        if not isinstance(data.get("paths", {}), Mapping):
            raise ContractError(path, f"'paths' must be a mapping, not {_kind(data['paths'])}")
        version, notes = _detect_version(data, path)
        base_path, base_notes = _base_path(data, version)
        raw, unresolved = bundle(data, path, bases or RefBases())
        return cls(path, version, base_path, raw, notes + base_notes, unresolved)

    @property
    def base_path_term(self) -> str:
        """The contract's own word for its base path: `basePath` (Swagger 2) or `servers path`."""
        return "basePath" if self.version is ContractVersion.SWAGGER2 else "servers path"

    def operations(self) -> Iterator[Operation]:
        """Every operation, in the order the contract lists them."""
        for route in self._routes:
            yield from route.methods.values()

    def find_operation(self, method: str, path: str) -> Operation | None:
        """The most specific operation for `METHOD /path`, or None; the path may carry the
        base path or leave it out (a host that ends with it)."""
        wanted = method.strip().upper()
        best: tuple[tuple[int, ...], Operation] | None = None
        for route, score in self._all_matches(path):
            operation = route.methods.get(wanted)
            if operation is not None and (best is None or score > best[0]):
                best = (score, operation)
        return best[1] if best else None

    def why_not_found(self, method: str, path: str) -> str | None:
        """Why `find_operation` finds nothing for `METHOD /path`; None when it finds something."""
        wanted = method.strip().upper()
        if self.find_operation(wanted, path):
            return None
        allowed = sorted({m for route, _ in self._all_matches(path) for m in route.methods})
        if allowed:
            return f"the path is there but not for {wanted}; it has {', '.join(allowed)}"
        count = f"{len(self._routes)} paths"
        if self.base_path:
            count += f" (under its {self.base_path_term} {self.base_path}, which may be left out)"
        message = f"none of its {count} matches"
        hint = self._suggest(path)
        return f"{message}; did you mean {hint}?" if hint else message

    def _suggest(self, path: str) -> str | None:
        # Parameter names differ between specs and contracts; compare paths by their shape only,
        # spelt as the spec spells them: with the base path, or without it.
        base = self.base_path
        bare = bool(base) and _segments(path)[: len(_segments(base))] != _segments(base)
        by_shape = {_shape(r.path.removeprefix(base) if bare else r.path): r for r in self._routes}
        close = did_you_mean(_shape(_normalise(path)), by_shape)
        if close is None:
            return None
        route = by_shape[close]
        return f"{'|'.join(route.methods)} {route.path.removeprefix(base) if bare else route.path}"

    def _all_matches(self, path: str) -> Iterator[tuple[_Route, tuple[int, ...]]]:
        """Routes for `path` as given, then for `path` under the base path."""
        yield from self._matches(path)
        base = self.base_path
        if base and _segments(path)[: len(_segments(base))] != _segments(base):
            yield from self._matches(base + _normalise(path))

    def _matches(self, path: str) -> Iterator[tuple[_Route, tuple[int, ...]]]:
        wanted = _segments(path)
        for route in self._by_length.get(len(wanted), ()):
            score = _score(wanted, route.segments)
            if score is not None:
                yield route, score


def load_contract(path: Path | str, bases: RefBases | None = None) -> Contract:
    """The contract at `path`, parsed once per run and cached by resolved path and `bases`."""
    # The same value comes from hundreds of specs: skip resolve()'s syscalls after the first.
    resolved = _RESOLVED.get(str(path)) or _RESOLVED.setdefault(str(path), Path(path).resolve())
    key = (resolved, bases or RefBases())
    if key in _FAILED:
        raise ContractError(path, _FAILED[key])
    if key not in _LOADED:
        try:
            _LOADED[key] = Contract.from_path(resolved, key[1])
        except ContractError as exc:
            _FAILED[key] = exc.reason
            raise
    return _LOADED[key]


def clear_cache() -> None:
    """Forget every loaded contract and every path lookup."""
    _LOADED.clear()
    _FAILED.clear()
    _RESOLVED.clear()
    forget_lookups()


_LOADED: dict[tuple[Path, RefBases], Contract] = {}
_FAILED: dict[tuple[Path, RefBases], str] = {}
_RESOLVED: dict[str, Path] = {}


def _parse_json(text: str, path: Path) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError(
            path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ContractError(path, "invalid JSON: nested too deeply") from None


def _parse_yaml(text: str, path: Path) -> object:
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ContractError(path, f"invalid YAML{where}: {_unquoted(exc.problem)}") from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise ContractError(path, f"invalid YAML: {exc or 'nested too deeply'}") from None


def _unquoted(problem: str | None) -> str:
    """A YAML error without the text it quotes (an alias, a tag): the file may not be a contract."""
    return _QUOTED.sub("", problem or "").strip() or "cannot be parsed"


def _detect_version(data: Mapping[str, Any], path: Path) -> tuple[ContractVersion, tuple[str, ...]]:
    swagger, openapi = data.get("swagger"), data.get("openapi")
    expected = "expected swagger: '2.0', or openapi: 3.0.x or 3.1.x"
    if swagger is not None and openapi is not None:
        raise ContractError(path, f"has both swagger: {swagger!r} and openapi: {openapi!r}")
    if swagger is not None:
        if str(swagger) in ("2.0", "2"):
            return ContractVersion.SWAGGER2, ()
        raise ContractError(path, f"unsupported swagger: {swagger!r}; {expected}")
    if openapi is not None:
        version = _OPENAPI_VERSIONS.get(".".join(str(openapi).split(".")[:2]))
        if version is not None:
            return version, ()
        raise ContractError(path, f"unsupported openapi: {openapi!r}; {expected}")
    marks = [key for key in _SWAGGER2_ONLY_KEYS if key in data]
    if marks:
        return ContractVersion.SWAGGER2, (
            f"no 'swagger' key; read as Swagger 2.0 because it has {', '.join(marks)}",
        )
    # Its keys are not quoted: the file may be anything (a spec named it), secrets included.
    raise ContractError(
        path, f"not a Swagger/OpenAPI document: no 'swagger' or 'openapi' key ({expected})"
    )


def _base_path(data: Mapping[str, Any], version: ContractVersion) -> tuple[str, tuple[str, ...]]:
    if version is ContractVersion.SWAGGER2:
        base = data.get("basePath", "")
        if not isinstance(base, str):
            return "", (f"basePath {base!r} is not a string; ignored",)
        return _normalise(base, root=""), ()
    servers = data.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], Mapping):
        return "", ()
    url = servers[0].get("url")
    if not isinstance(url, str):
        return "", (f"servers[0].url {url!r} is not a string; ignored",)
    return _normalise(_expand_server_variables(url, servers[0]), root=""), ()


def _expand_server_variables(url: str, server: Mapping[str, Any]) -> str:
    variables = server.get("variables")
    if not isinstance(variables, Mapping):
        return url
    for name, spec in variables.items():
        if isinstance(spec, Mapping) and "default" in spec:
            url = url.replace("{" + str(name) + "}", str(spec["default"]))
    return url


def _build_routes(contract: Contract) -> tuple[tuple[_Route, ...], tuple[str, ...]]:
    routes: list[_Route] = []
    notes: list[str] = []
    schemes = security_schemes(contract.raw)
    declared = declares_security(contract.raw)
    for key, item in contract.raw.get("paths", {}).items():
        if not isinstance(item, Mapping):
            notes.append(f"path {key!r} is {_kind(item)}, not a path item; ignored")
            continue
        full = _normalise(f"{contract.base_path}/{key}")
        methods = _operations_of(contract, full, str(key), item, notes)
        for method, operation in methods.items():
            security = operation_security(contract.raw, operation.raw, schemes, declared)
            methods[method] = replace(operation, security=security)
        segments = tuple(_compile_segment(s) for s in _segments(full))
        routes.append(_Route(segments, full, methods))
    return tuple(routes), tuple(notes)


def _operations_of(
    contract: Contract, full: str, key: str, item: Mapping[str, Any], notes: list[str]
) -> dict[str, Operation]:
    methods: dict[str, Operation] = {}
    # Path items also hold `parameters`, `summary`, `$ref` and `x-` keys: only methods count.
    for name, raw in item.items():
        if str(name).lower() not in _HTTP_METHODS:
            continue
        if not isinstance(raw, Mapping):
            notes.append(f"{str(name).upper()} {key} is {_kind(raw)}, not an operation; ignored")
            continue
        op_id = raw.get("operationId")
        method = str(name).upper()
        op_id = op_id if isinstance(op_id, str) else None
        methods[method] = Operation(
            method, full, key, op_id, raw, contract.path, base_path=contract.base_path
        )
    return methods


def _compile_segment(segment: str) -> str | re.Pattern[str]:
    if "{" not in segment:
        return segment
    pieces = _TEMPLATE.split(segment)
    return re.compile("[^/]+".join(re.escape(p) for p in pieces))


def _score(
    wanted: tuple[str, ...], segments: tuple[str | re.Pattern[str], ...]
) -> tuple[int, ...] | None:
    if len(wanted) != len(segments):
        return None
    score: list[int] = []
    for got, seg in zip(wanted, segments, strict=True):
        if isinstance(seg, str):
            if got != seg:
                return None
            score.append(1)
        # A `{x}` in the asked-for path stands for any value: it matches only a template.
        elif "{" in got or seg.fullmatch(got):
            score.append(0)
        else:
            return None
    return tuple(score)


def _segments(path: str) -> tuple[str, ...]:
    path = path.strip()
    if "://" in path:
        rest = path.split("://", 1)[1]
        path = rest[rest.find("/") :] if "/" in rest else ""
    path = path.split("?", 1)[0].split("#", 1)[0]
    return tuple(s for s in path.split("/") if s)


def _normalise(path: str, root: str = "/") -> str:
    segments = _segments(path)
    return "/" + "/".join(segments) if segments else root


def _shape(path: str) -> str:
    return _TEMPLATE.sub("{}", path)


def _kind(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}
    return names.get(type(value), f"a {type(value).__name__}")
