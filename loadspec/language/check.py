"""Checks across a built spec: templates in scope, endpoint vs. main request, the contract."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loadspec.contract.lookup import ContractError, load_contract, resolve_contract_path
from loadspec.errors import Severity, did_you_mean
from loadspec.language.loader import RawSpec
from loadspec.language.model import Spec, Step
from loadspec.language.sourcemap import Location
from loadspec.templating.render import BUILTINS, TemplateSyntaxError, parse_template, template_names

__all__ = ["CheckOptions", "check_spec"]

_TEMPLATED_FIELDS = ("path", "params", "body", "headers", "x_on_behalf_of", "form_fields")
_ID_KEY = re.compile(r"(^|_)(u?id|uuid|key)$|_uid$", re.IGNORECASE)
_MIN_TYPO_LENGTH = 5
_SEGMENT_PARAM = re.compile(r"^(\{\{[^}]*\}\}|\{[^}]*\})$")


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """What the checks may assume.

    Attributes:
        variables: run variable names that will be given (`--var`, project config).
        root: where `swagger:` paths resolve; None for the nearest ancestor rule.
        contracts: whether to open contract files at all.
    """

    variables: frozenset[str] = field(default_factory=frozenset)
    root: Path | None = None
    contracts: bool = True


def check_spec(spec: Spec, raw: RawSpec, options: CheckOptions) -> None:
    """Add every cross-field problem of `spec` to `raw.problems`."""
    _check_templates(spec, raw, options.variables)
    _check_main_request(spec, raw)
    if options.contracts:
        _check_contract(spec, raw, options.root)


def _check_templates(spec: Spec, raw: RawSpec, variables: frozenset[str]) -> None:
    defined = set(variables) | set(BUILTINS) | raw.excused
    extracted: set[str] = set()
    for step in spec.steps:
        if _all_defined(step, defined):
            defined |= set(step.extract)
            extracted |= set(step.extract)
            continue
        for location, name in _step_names(step, raw):
            if name not in defined and not raw.broken:
                # With a block unreadable, which names exist is unknown: report nothing.
                _undefined(raw, location, name, extracted | set(variables))
            elif name == "now_timestamp" and _is_id(location):
                raw.problem(
                    location,
                    "now_timestamp repeats within a second: under load this id "
                    "will collide; use {{unique_id}} (unique per user and iteration)",
                    Severity.WARNING,
                )
        extracted |= set(step.extract)
        defined |= set(step.extract)


def _all_defined(step: Step, defined: set[str]) -> bool:
    """Quick pass without locations: every name defined, none worth a warning.

    Locations (and so lines) are only worked out for the steps that have a problem.
    """
    strings = [step.path, step.x_on_behalf_of, step.wait.callback if step.wait else None]
    stack: list[Any] = [step.params, step.body, step.headers, step.form_fields]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            strings.append(item)
        elif isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    try:
        for text in strings:
            if text and "{{" in text:
                names = parse_template(text).names
                if "now_timestamp" in names or not defined.issuperset(names):
                    return False
    except TemplateSyntaxError:
        return False
    return True


def _step_names(step: Step, raw: RawSpec) -> Iterator[tuple[Location, str]]:
    values: list[tuple[str, Any]] = [(f, getattr(step, f)) for f in _TEMPLATED_FIELDS]
    if step.wait is not None:
        values.append(("wait", {"callback": step.wait.callback}))
    for field_name, value in values:
        base = (*step.location, field_name)
        try:
            for suffix, name in template_names(value):
                yield (*base, *suffix), name
        except TemplateSyntaxError as exc:
            raw.problem(base, str(exc))


def _undefined(raw: RawSpec, location: Location, name: str, known: set[str]) -> None:
    # Short names are too often near a built-in by chance ("uid" ~ "uuid") to call a typo.
    candidates = known | set(BUILTINS) if len(name) >= _MIN_TYPO_LENGTH else known
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


def _check_contract(spec: Spec, raw: RawSpec, root: Path | None) -> None:
    if not spec.swagger:
        return
    path = resolve_contract_path(spec.swagger, spec.path, root)
    if path is None:
        where = f"under {root}" if root else "beside the spec or in any folder above it"
        raw.problem(("swagger",), f"swagger file {spec.swagger!r} not found {where}")
        return
    try:
        contract = load_contract(path)
    except ContractError as exc:
        raw.problem(("swagger",), str(exc))
        return
    method, route = spec.endpoint.method.value, spec.endpoint.route
    if contract.find_operation(method, route) is None:
        why = contract.why_not_found(method, route)
        raw.problem(("endpoint",), f"endpoint {spec.endpoint} is not in {spec.swagger}: {why}")
