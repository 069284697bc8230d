"""Specs as Locust user classes: one class per runnable spec, what is left out and why."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from loadspec.config.settings import RunSettings
from loadspec.errors import ConfigError
from loadspec.language import CheckOptions, load_specs
from loadspec.language.model import Spec
from loadspec.language.operations import SpecOperations, spec_operations
from loadspec.locust.contract_checks import contract_checks
from loadspec.locust.preflight import preflight
from loadspec.locust.state import ProcessState
from loadspec.locust.workload import wait_time_of
from loadspec.runtime.compiled import CompiledSpec, compile_spec
from loadspec.templating.render import SOURCE_CONFIG_NAMES

__all__ = ["attach_checks", "selected", "user_classes"]

Task = Any


def user_classes(state: ProcessState, base: type[Any], task: Task) -> dict[str, type[Any]]:
    """One `base` subclass per runnable spec, each running `task` (`ConfigError` when the
    selection cannot run: invalid specs without --allow-invalid, none runnable, preflight)."""
    settings = state.run
    chosen = list(settings.specs)
    known = settings.inputs.variables.for_checks(SOURCE_CONFIG_NAMES) | set(settings.variables)
    options = CheckOptions(variables=known, contracts=False, files=settings.files)
    runnable: list[Spec] = []
    invalid: list[str] = []
    for result in load_specs(chosen, options):
        shown = _shown(result.path)
        spec = result.spec
        if result.not_a_spec is not None:
            state.notes.append((logging.INFO, f"loadspec: {shown}: {result.not_a_spec}"))
        elif spec is not None and not spec.runs_by_default and not settings.include_skipped:
            # A skipped spec's problems (if any) matter only when it runs.
            reason = spec.skip_reason or "no reason given"
            state.notes.append(
                (
                    logging.INFO,
                    f"loadspec: skipping {shown} (status "
                    f"{spec.status.value}: {reason}); --include-skipped runs it",
                )
            )
        elif spec is None or result.errors:
            invalid += [str(p) for p in result.errors] or [f"{shown}: cannot be read"]
            state.notes += [(logging.ERROR, str(p)) for p in result.errors]
            state.notes.append(
                (logging.ERROR, f"loadspec: {shown} is invalid and left out of the run")
            )
        else:
            runnable.append(spec)
    _refuse_invalid(state, invalid)
    state.operations = operations = spec_operations(
        runnable, settings.root, settings.inputs.ref_bases, settings.files
    )
    classes: dict[str, type[Any]] = {}
    for spec in runnable:
        user_class = _user_class(compile_spec(spec, operations.known(spec)), settings, base, task)
        classes[user_class.__name__] = user_class
    if not classes:
        for _, note in state.notes:
            print(note, file=sys.stderr)
        raise ConfigError(f"no runnable spec under {', '.join(map(str, chosen))}")
    compiled = [c.compiled for c in classes.values()]
    preflight(settings, compiled)
    if settings.validate_responses > 0:
        state.notes += attach_checks(settings, operations, classes.values())
    state.wait_events = frozenset(e for c in compiled for e in c.wait_events)
    return classes


def _refuse_invalid(state: ProcessState, invalid: list[str]) -> None:
    if invalid and not state.run.allow_invalid:
        count = sum(
            1 for _, note in state.notes if note.endswith("is invalid and left out of the run")
        )
        raise ConfigError(
            "\n".join(invalid) + f"\nloadspec: {count} invalid spec(s) among those selected: "
            "fix them, or run without them with --allow-invalid"
        )


def attach_checks(
    settings: RunSettings, operations: SpecOperations, classes: Iterable[type[Any]]
) -> list[tuple[int, str]]:
    """Contract checks on every class, at --validate-responses' rate (`ConfigError` for a
    contract that cannot be read, unless --allow-invalid); lines to log about them."""
    classes = list(classes)
    checks, notes, unreadable = contract_checks(
        [c.compiled for c in classes],
        operations,
        settings.validate_responses,
        settings.inputs.ref_bases,
    )
    if unreadable and not settings.allow_invalid:
        raise ConfigError(
            "\n".join(unreadable) + "\nloadspec: --validate-responses cannot check these "
            "specs' responses: fix their swagger:, or run unchecked with --allow-invalid"
        )
    for user_class in classes:
        user_class.checks = checks.get(user_class.compiled.spec.path, {})
    rate = f"{settings.validate_responses:.0%}"
    summary = f"loadspec: checking {rate} of responses against the specs' contracts"
    found = [*notes, *unreadable]
    return [(logging.INFO, summary), *((logging.WARNING, f"loadspec: {n}") for n in found)]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _user_class(
    compiled: CompiledSpec, settings: RunSettings, base: type[Any], task: Task
) -> type[Any]:
    spec = compiled.spec

    def run(user: Any) -> None:
        task(user)

    run.__name__ = spec.path.stem
    run.locust_tag_set = {_tag(t) for t in spec.tags}  # type: ignore[attr-defined]
    attributes: dict[str, Any] = {
        "compiled": compiled,
        "wait_time": wait_time_of(spec.pace, settings.load),
        "weight": spec.weight,
        "tasks": [run],
        "__module__": base.__module__,
        "__doc__": f"{spec.endpoint}: {spec.title or spec.path.name}",
    }
    return type(_class_name(spec.path), (base,), attributes)


def _class_name(path: Path) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", path.stem) if part)


def _tag(text: str) -> str:
    # Locust's --tags takes names separated by spaces, so tags are made single words.
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def selected(user_class: type[Any], options: Any) -> bool:
    """Whether --tags / --exclude-tags keep a spec's class in the run (others always)."""
    compiled: CompiledSpec | None = getattr(user_class, "compiled", None)
    if compiled is None:
        return True
    tags = {_tag(t) for t in compiled.spec.tags}
    wanted, unwanted = getattr(options, "tags", None), getattr(options, "exclude_tags", None)
    return (not wanted or bool(tags & set(wanted))) and not (unwanted and tags & set(unwanted))
