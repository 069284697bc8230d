"""Checks across a built spec: templates in scope, endpoint vs. main request, the contract."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.contract.conformance import ResponseChecker
from loadspec.contract.locate import resolve_contract_path
from loadspec.contract.lookup import Contract, ContractError, load_contract
from loadspec.contract.shapes import why_never
from loadspec.errors import Severity, did_you_mean
from loadspec.files import FileRefused, SpecFiles
from loadspec.language.loader import RawSpec
from loadspec.language.model import Spec, Step
from loadspec.language.operations import find_step_operation
from loadspec.language.sourcemap import Location, format_location
from loadspec.security import SchemeKind
from loadspec.templating.render import (
    BUILTINS,
    SOURCE_CONFIG_NAMES,
    TemplateSyntaxError,
    parse_template,
    template_names,
)

__all__ = ["CheckOptions", "check_spec"]

_TEMPLATED_FIELDS = ("path", "params", "body", "headers", "x_on_behalf_of", "form_fields")
_ID_KEY = re.compile(r"(^|_)(u?id|uuid|key)$|_uid$", re.IGNORECASE)
_MIN_TYPO_LENGTH = 5
_SEGMENT_PARAM = re.compile(r"^(\{\{[^}]*\}\}|\{[^}]*\})$")


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What the checks may assume.

    Attributes:
        variables: run variable names that will be given (`--var`, project config); names
            the source system's configuration supplies (`SOURCE_CONFIG_NAMES`) are known
            without a value, and are recorded as needing one.
        root: where `swagger:` paths resolve; None for the nearest ancestor rule.
        contracts: whether to open contract files at all.
        files: where the files a spec names may be (None: the spec trees of the paths read,
            or `root`; `loadspec.files.SpecFiles`).
        credentials: the credential variables that have a value (`LOADSPEC_CREDENTIAL_API_KEY`);
            a step whose contract requires a scheme none of them gives is warned about (None:
            credentials are not checked).
    """

    variables: frozenset[str] = field(default_factory=frozenset)
    root: Path | None = None
    contracts: bool = True
    files: SpecFiles | None = None
    credentials: frozenset[str] | None = None


def check_spec(spec: Spec, raw: RawSpec, options: CheckOptions) -> None:
    """Add every cross-field problem of `spec` to `raw.problems`."""
    _check_templates(spec, raw, options.variables)
    _check_main_request(spec, raw)
    if options.contracts:
        files = options.files or SpecFiles.of([spec.path], options.root)
        _check_contract(spec, raw, options, files)


def _check_templates(spec: Spec, raw: RawSpec, variables: frozenset[str]) -> None:
    unvalued = SOURCE_CONFIG_NAMES - variables
    defined = set(variables) | set(BUILTINS) | raw.excused
    extracted = {name for step in (*spec.steps, *spec.unrun) for name in step.extract}
    if spec.data is not None:
        defined |= set(spec.data.columns)  # a row's columns are run variables
    known = defined | SOURCE_CONFIG_NAMES | extracted
    for step in spec.steps:
        used = _used_names(step)
        missing = None if used is None or "now_timestamp" in used else used - defined
        if missing is not None and missing <= unvalued:
            raw.needs |= missing  # what the slow pass below would record, and nothing else
        else:
            _check_step_names(step, raw, _Names(defined, unvalued, known))
        defined |= set(step.extract)


@dataclass(frozen=True, slots=True)
class _Names:
    defined: set[str]  # built in, given, or extracted by an earlier step
    unvalued: frozenset[str]  # known to the source system's configuration, no value here
    known: set[str]  # any of these, or extracted anywhere in the spec: never a typo


def _check_step_names(step: Step, raw: RawSpec, names: _Names) -> None:
    for location, name in _step_names(step, raw):
        if name in names.defined:
            if name == "now_timestamp" and _is_id(location):
                raw.problem(location, _timestamp_hint(step, location), Severity.WARNING)
        elif name in names.unvalued:
            raw.needs.add(name)
        elif not raw.broken:
            # With a block unreadable, which names exist is unknown: report nothing.
            _undefined(raw, location, name, names.known)


def _timestamp_hint(step: Step, location: Location) -> str:
    """now_timestamp in an id: the built-in to use instead, of the type the value is sent as
    (a lone placeholder keeps its type: an integer there stays one)."""
    whole = isinstance(value := _value_at(step, location), str) and value.strip() in (
        "{{now_timestamp}}",
        "{{ now_timestamp }}",
    )
    better = (
        "{{unique_int}} (an integer unique per use)"
        if whole
        else "{{unique_id}} (32 hex digits, unique per user and iteration)"
    )
    return f"now_timestamp repeats within a second: under load this id will collide; use {better}"


def _value_at(step: Step, location: Location) -> Any:
    """The value of a step's field at `location` (`(*step.location, field, key...)`)."""
    keys = location[len(step.location) :]
    if not keys or not isinstance(keys[0], str):
        return None
    value: Any = getattr(step, keys[0], None)
    for key in keys[1:]:
        in_mapping = isinstance(value, Mapping) and key in value
        in_list = isinstance(value, list | tuple) and isinstance(key, int) and key < len(value)
        if not (in_mapping or in_list):
            return None
        value = value[key]
    return value


def _used_names(step: Step) -> set[str] | None:
    """Quick pass without locations: the names a step uses; None for a syntax error.

    Locations (and so lines) are only worked out for the steps that may have a problem.
    """
    strings = [step.path, step.x_on_behalf_of, step.wait.callback if step.wait else None]
    stack: list[Any] = [step.params, step.body, step.headers, step.form_fields]
    if step.wait is not None:
        stack.append(dict(step.wait.match))
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    used: set[str] = set()
    try:
        for text in strings:
            if text and "{{" in text:
                used.update(parse_template(text).names)
    except TemplateSyntaxError:
        return None
    return used


def _step_names(step: Step, raw: RawSpec) -> Iterator[tuple[Location, str]]:
    values: list[tuple[str, Any]] = [(f, getattr(step, f)) for f in _TEMPLATED_FIELDS]
    if step.wait is not None:
        values.append(("wait", {"callback": step.wait.callback, "match": dict(step.wait.match)}))
    for field_name, value in values:
        base = (*step.location, field_name)
        try:
            for suffix, name in template_names(value):
                yield (*base, *suffix), name
        except TemplateSyntaxError as exc:
            raw.problem(base, str(exc))


def _undefined(raw: RawSpec, location: Location, name: str, known: set[str]) -> None:
    if name in known:  # extracted, but only by a later step (or one that does not run)
        raw.problem(
            location,
            f"{{{{{name}}}}} is used before any step that runs extracts it: "
            "move the extracting step first, or give it as a run variable",
            Severity.WARNING,
        )
        return
    # Short names are too often near a built-in by chance ("uid" ~ "uuid") to call a typo.
    candidates = known if len(name) >= _MIN_TYPO_LENGTH else known - set(BUILTINS)
    hint = did_you_mean(name, candidates, cutoff=0.8)
    if hint is not None:
        raw.problem(location, f"unknown template name {name!r}: did you mean {hint!r}?")
        return
    raw.problem(
        location,
        f"{{{{{name}}}}} is neither extracted by an earlier step nor built "
        f"in: give it as a run variable (--var {name}=...)",
        Severity.WARNING,
    )


def _is_id(location: Location) -> bool:
    keys = [k for k in location if isinstance(k, str)]
    return bool(keys) and bool(_ID_KEY.search(keys[-1]))


def _check_main_request(spec: Spec, raw: RawSpec) -> None:
    main = spec.main_request
    if main is None or main.method is None or main.path is None:
        if raw.blocks.get("test_request") is not None and not raw.problems_at("test_request"):
            raw.problem(("test_request",), "Test Request has no request step")
        return
    endpoint = spec.endpoint
    if main.method is not endpoint.method or not _same_path(main.path, endpoint.path):
        raw.problem(
            (*main.location, "path"),
            f"main request {main.method.value} {main.path} does not match endpoint {endpoint}",
        )


def _same_path(step_path: str, endpoint_path: str) -> bool:
    step = step_path.split("?", maxsplit=1)[0].strip("/").split("/")
    wanted = endpoint_path.split("?", maxsplit=1)[0].strip("/").split("/")
    if len(step) != len(wanted):
        return False
    return all(
        a == b or _SEGMENT_PARAM.match(b) or _SEGMENT_PARAM.match(a) or "{{" in a
        for a, b in zip(step, wanted, strict=True)
    )


def _check_contract(spec: Spec, raw: RawSpec, options: CheckOptions, files: SpecFiles) -> None:
    root = options.root
    if not spec.swagger:
        return
    try:
        path = resolve_contract_path(spec.swagger, spec.path, root, files)
    except FileRefused as exc:
        raw.problem(("swagger",), f"swagger file {spec.swagger!r} is not read: {exc}")
        return
    if path is None:
        where = f"under {root}" if root else "beside the spec or in any folder above it"
        raw.problem(
            ("swagger",),
            f"swagger file {spec.swagger!r} not found {where}: the spec runs, but fuzzing "
            "and contract checks leave it out",
            Severity.WARNING,
        )
        return
    try:
        contract = load_contract(path)
    except ContractError as exc:
        raw.problem(("swagger",), str(exc))
        return
    method, route = spec.endpoint.method.value, spec.endpoint.route
    why = contract.why_not_found(method, route)  # None when the operation is there
    if why is not None:
        raw.problem(("endpoint",), f"endpoint {spec.endpoint} is not in {spec.swagger}: {why}")
    if options.credentials is not None:
        _check_credentials(spec, raw, contract, options.credentials)
    for step in spec.steps:
        operation = find_step_operation([contract], step)
        broken = _has_error(raw, step.location)  # its expect or extract is not what it says
        if operation is not None and step.wait is None and not broken:
            _check_replies(step, raw, ResponseChecker.for_operation(operation), operation.name)


def _has_error(raw: RawSpec, location: Location) -> bool:
    prefix = format_location(location)
    return any(p.is_error and p.location.startswith(prefix) for p in raw.problems)


def _check_replies(step: Step, raw: RawSpec, checker: ResponseChecker, name: str) -> None:
    """What a step expects of its replies is what the contract documents: its statuses, and
    bodies its extracts can find their values in (warnings: the contract may lag)."""
    if not checker.documented:
        return  # an operation that documents no reply at all says nothing to check against
    expected = step.expect.status
    documented = [status for status in expected if checker.body_schemas(status) is not None]
    if not documented:
        # Of several statuses expected, one documented is enough: specs list tolerant sets.
        wanted = "/".join(map(str, expected))
        raw.problem(
            (*step.location, "expect"),
            f"step {step.id}: expected status {wanted} is not documented for {name} "
            f"(documented: {', '.join(checker.documented) or 'none'})",
            Severity.WARNING,
        )
        return
    if not step.extract:
        return
    if not any(checker.has_body(status) for status in documented):
        listed = "/".join(map(str, documented))
        raw.problem(
            (*step.location, "extract"),
            f"step {step.id}: extracts from a {listed} reply that {name} documents without a body",
            Severity.WARNING,
        )
        return
    schemas = [schema for status in documented for schema in checker.body_schemas(status) or ()]
    if not schemas or any(not checker.body_schemas(status) for status in documented):
        return  # a reply documented without a JSON schema: anything may be in it
    doc = checker.schema_document
    for variable, path in step.extract.items():
        reasons = [why_never(doc, schema, path) for schema in schemas]
        if all(reasons):
            raw.problem(
                (*step.location, "extract", variable),
                f"step {step.id}: extract {variable} ({path}) cannot match the reply {name} "
                f"documents: {reasons[0]}",
                Severity.WARNING,
            )


def _check_credentials(spec: Spec, raw: RawSpec, contract: Contract, given: frozenset[str]) -> None:
    """A step whose operation's security no given credential meets is warned about."""
    for step in spec.steps:
        operation = None if step.token_named else find_step_operation([contract], step)
        security = operation.security if operation is not None else None
        if operation is None or security is None or security.anonymous:
            continue
        if any(alt and all(s.variable in given for s in alt) for alt in security.alternatives):
            continue
        first = security.alternatives[0] if security.alternatives else ()
        if len(first) == 1 and first[0].kind is SchemeKind.BEARER:
            continue  # a bearer scheme takes the step's token (staff), as before
        needed = " or ".join(
            " and ".join(f"{s}: set {s.variable}" for s in alt if s.variable not in given)
            for alt in security.alternatives
        )
        raw.problem(
            step.location,
            f"step {step.id}: {operation.name_for(step.path or '')} needs "
            f"{needed or 'a credential it cannot be sent'}"
            + (f" ({'; '.join(security.unusable)})" if security.unusable else ""),
            Severity.WARNING,
        )
