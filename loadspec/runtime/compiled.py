"""A spec made ready to run: every template and JSONPath compiled once, not per request."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loadspec.language.model import Spec, Step
from loadspec.security import KnownOperation, Security
from loadspec.templating.extract import Extractor, JsonPath, compile_jsonpath
from loadspec.templating.render import (
    Compiled,
    as_text,
    compile_value,
    is_constant,
    template_names,
)

__all__ = ["CompiledSpec", "CompiledStep", "compile_spec"]


@dataclass(frozen=True, slots=True)
class CompiledStep:
    """One step with its renderers and extractors.

    Attributes:
        step: the model.
        path: renders the path, as text.
        params: renders the query parameters, as text (a list stays a list of texts).
        body: renders the JSON body.
        headers: renders the extra headers, as text.
        on_behalf_of: renders `x_on_behalf_of`, when set.
        form: renders `form_fields`, when set.
        extractor: the step's `extract`, compiled.
        poll_until: the poll condition's JSONPath, when polling.
        wait_key: renders the webhook wait's key, when waiting.
        wait_match: the wait's `match` conditions: JSONPath and the value it renders.
        uses: the names its request's templates take (path, query, body, headers, forms).
        method: the HTTP method's name ("GET" for a pure wait, which sends nothing).
        constant_headers: the headers (`x_on_behalf_of` included) contain no template, so a
            runner builds them, Authorization included, once.
        name: the step's stats row: its contract operation (`GET /pet/{petId}`) when a
            contract knows it, else `Step.name` (method and path template); read on every
            request.
        key: the step's `Step.key`, kept likewise.
        json_body: the body is sent as JSON (`contentType: json`).
        security: what its operation's contract requires, when that decides the step's
            credentials (the spec names no token for it; `Step.token_named`).
        other_names: spellings of its row that are not its name (the path template, the
            operation with or without its base path): thresholds naming one are told `name`.
        base_path: its contract's base path, when its path carries it.
    """

    step: Step
    path: Compiled
    params: Compiled
    body: Compiled
    headers: Compiled
    on_behalf_of: Compiled | None
    form: Compiled | None
    extractor: Extractor
    poll_until: JsonPath | None
    wait_key: Compiled | None
    wait_match: tuple[tuple[JsonPath, Compiled], ...] = ()
    uses: frozenset[str] = frozenset()
    method: str = "GET"
    constant_headers: bool = False
    name: str = ""
    key: str = ""
    json_body: bool = True
    security: Security | None = None
    other_names: tuple[str, ...] = ()
    base_path: str = ""

    @property
    def sends(self) -> bool:
        """Whether the step sends a request (a pure webhook wait does not)."""
        return self.step.method is not None and self.step.path is not None


@dataclass(frozen=True, slots=True)
class CompiledSpec:
    """A spec's two chains, compiled.

    Attributes:
        spec: the model.
        prerequisites: compiled prerequisite steps.
        test_request: compiled test request steps.
    """

    spec: Spec
    prerequisites: tuple[CompiledStep, ...]
    test_request: tuple[CompiledStep, ...]

    @property
    def rerun_row(self) -> str:
        """The name of the SETUP row counting each time its prerequisites run again."""
        return f"{self.spec.path.stem} (prerequisites again)"

    @property
    def wait_events(self) -> frozenset[str | None]:
        """Event types the spec waits for (None: any)."""
        steps = self.prerequisites + self.test_request
        return frozenset(s.step.wait.event for s in steps if s.step.wait is not None)


def compile_spec(
    spec: Spec, operations: Mapping[str, KnownOperation] | None = None
) -> CompiledSpec:
    """Compile every step of `spec` (the spec must have validated without errors).

    `operations`: `Step.key` -> what its contract says of the operation it calls.
    """
    known = operations or {}
    return CompiledSpec(
        spec,
        tuple(compile_step(s, known.get(s.key)) for s in spec.prerequisites),
        tuple(compile_step(s, known.get(s.key)) for s in spec.test_request),
    )


def compile_step(step: Step, operation: KnownOperation | None = None) -> CompiledStep:
    """Compile one step (`operation`: what its contract says, if one documents it)."""
    headers = compile_value(dict(step.headers), then=_header_texts)
    on_behalf_of = None if step.x_on_behalf_of is None else compile_value(step.x_on_behalf_of)
    return CompiledStep(
        step=step,
        path=compile_value(step.path or "", then=as_text),
        params=compile_value(dict(step.params), then=_param_texts),
        body=compile_value(step.body),
        headers=headers,
        on_behalf_of=on_behalf_of,
        form=_optional(dict(step.form_fields) if step.form_fields else None),
        extractor=Extractor.from_mapping(step.extract),
        poll_until=compile_jsonpath(step.poll.until) if step.poll else None,
        wait_key=compile_value(step.wait.callback) if step.wait else None,
        wait_match=tuple(
            (compile_jsonpath(path), compile_value(value))
            for path, value in (step.wait.match.items() if step.wait else ())
        ),
        uses=_names_used(step),
        method=step.method.value if step.method else "GET",
        constant_headers=is_constant(headers)
        and (on_behalf_of is None or is_constant(on_behalf_of)),
        name=operation.name if operation is not None and step.method else step.name,
        key=step.key,
        json_body=step.content_type == "json",
        security=None if operation is None or step.token_named else operation.security,
        other_names=_other_names(step, operation),
        base_path=operation.base_path if operation is not None else "",
    )


def _other_names(step: Step, operation: KnownOperation | None) -> tuple[str, ...]:
    if operation is None or step.method is None or step.path is None:
        return ()
    names = (step.name, step.path, *operation.aliases)
    return tuple(dict.fromkeys(n for n in names if n != operation.name))


def _header_texts(headers: dict[Any, Any]) -> dict[str, str]:
    return {str(name): as_text(value) for name, value in headers.items()}


def _param_texts(params: dict[str, Any]) -> dict[str, Any]:
    return {
        name: [as_text(v) for v in value] if isinstance(value, list) else as_text(value)
        for name, value in params.items()
    }


def _names_used(step: Step) -> frozenset[str]:
    sent = (step.path, step.params, step.body, step.headers, step.x_on_behalf_of, step.form_fields)
    return frozenset(name for _, name in template_names(list(sent)))


def _optional(value: Any) -> Compiled | None:
    return None if value is None else compile_value(value)
