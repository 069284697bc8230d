"""Which run variables a spec needs (template names no step extracts, no built-in provides),
and the names the authors' configuration supplies (`SOURCE_CONFIG_NAMES`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from loadspec.language.model import Spec, Step
from loadspec.templating.render import (
    BUILTINS,
    SOURCE_CONFIG_NAMES,
    TemplateSyntaxError,
    template_names,
)

__all__ = ["SOURCE_CONFIG_NAMES", "needed_variables"]


def needed_variables(spec: Spec, steps: Iterable[Step] | None = None) -> frozenset[str]:
    """The names `steps` (default: every step of `spec`) take from run variables."""
    extracted = {name for step in spec.steps for name in step.extract}
    used = {name for step in (spec.steps if steps is None else steps) for name in _names(step)}
    return frozenset(used - extracted - set(BUILTINS))


def _names(step: Step) -> set[str]:
    values: list[Any] = [step.path, step.params, step.body, step.headers, step.x_on_behalf_of]
    values += [step.form_fields, step.wait.callback if step.wait else None]
    try:
        return {name for _, name in template_names(values)}
    except TemplateSyntaxError:
        return set()  # a spec with a broken template does not validate, so never runs
