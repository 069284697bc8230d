"""Specs compiled into Locust user classes: one class per spec, one task per iteration."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from locust import constant, events
from locust.contrib.fasthttp import FastHttpUser

from loadspec.errors import LoadspecError
from loadspec.language import CheckOptions, load_specs
from loadspec.locust.contract_checks import Check, contract_checks
from loadspec.locust.harness import harness_of, install
from loadspec.locust.options import LoadSettings, add_arguments, early_options
from loadspec.locust.transport import FastHttpTransport
from loadspec.runtime.compiled import CompiledSpec, compile_spec
from loadspec.runtime.engine import SpecRunner

__all__ = ["SpecUser", "spec_users"]

_log = logging.getLogger("loadspec")
_installed: list[bool] = []


class SpecUser(FastHttpUser):
    """A user running one compiled spec; concrete classes are made by `spec_users`."""

    abstract = True
    wait_time = constant(0)
    compiled: ClassVar[CompiledSpec]
    checks: ClassVar[Mapping[str, Check]] = {}
    runner_: SpecRunner

    def on_start(self) -> None:
        """Build this user's runner (prerequisites run at its first iteration)."""
        harness = harness_of(self.environment)
        self.runner_ = SpecRunner(
            spec=self.compiled,
            transport=FastHttpTransport(self, harness.settings.fallback_host),
            tokens=harness.tokens,
            variables=harness.settings.variables,
            callbacks=harness.box,
            webhook_url=harness.webhook_url,
            contract_checks=self.checks,
        )


def _iteration(user: SpecUser) -> None:
    user.runner_.iteration()


def spec_users(paths: Iterable[Path | str] | None = None) -> dict[str, type[SpecUser]]:
    """User classes for the specs under `paths` (default: --specs / LOADSPEC_SPECS).

    Call it from a locustfile and put the result in its globals. Invalid specs are
    reported (file:line) and left out; skipped ones run only with --include-skipped.
    """
    _register_hooks()
    given = tuple(Path(p) for p in paths) if paths is not None else ()
    try:
        settings = LoadSettings.from_options(early_options(), given)
    except LoadspecError as exc:
        raise SystemExit(f"loadspec: {exc}") from None
    chosen = list(settings.specs)
    _STATE["specs"] = settings.specs
    if not chosen:
        raise SystemExit("loadspec: no specs: give --specs PATH[,PATH] or LOADSPEC_SPECS")
    options = CheckOptions(variables=frozenset(settings.variables), contracts=False)
    classes: dict[str, type[SpecUser]] = {}
    notes: list[tuple[int, str]] = []  # logged at init: logging is not set up while importing
    for result in load_specs(chosen, options):
        shown = _shown(result.path)
        notes += [(logging.ERROR, str(p)) for p in result.errors]
        spec = result.spec
        if spec is None or result.errors:
            notes.append((logging.ERROR, f"loadspec: {shown} is invalid and left out of the run"))
        elif not spec.runs_by_default and not settings.include_skipped:
            reason = spec.skip_reason or "no reason given"
            notes.append(
                (
                    logging.INFO,
                    f"loadspec: skipping {shown} (status "
                    f"{spec.status.value}: {reason}); --include-skipped runs it",
                )
            )
        else:
            user_class = _user_class(compile_spec(spec))
            classes[user_class.__name__] = user_class
    # FastHttpUser reads its timeouts from the class when a user is made.
    SpecUser.network_timeout = SpecUser.connection_timeout = settings.request_timeout
    if settings.validate_responses > 0:
        notes += _attach_checks(classes.values(), settings)
    _STATE["wait_events"] = frozenset(e for c in classes.values() for e in c.compiled.wait_events)
    _STATE["notes"] = notes
    if not classes:
        for _, note in notes:
            print(note, file=sys.stderr)
        raise SystemExit(f"loadspec: no runnable spec under {', '.join(map(str, chosen))}")
    return classes


def _attach_checks(
    classes: Iterable[type[SpecUser]], settings: LoadSettings
) -> list[tuple[int, str]]:
    classes = list(classes)
    compiled = [c.compiled for c in classes]
    checks, notes = contract_checks(compiled, settings.root, settings.validate_responses)
    for user_class in classes:
        user_class.checks = checks.get(user_class.compiled.spec.path, {})
    rate = f"{settings.validate_responses:.0%}"
    summary = f"loadspec: checking {rate} of responses against the specs' contracts"
    return [(logging.INFO, summary)] + [(logging.WARNING, f"loadspec: {n}") for n in notes]


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# What the init hook needs from the import-time call (one locustfile per Locust process).
_STATE: dict[str, Any] = {"specs": (), "wait_events": frozenset(), "notes": []}


def _user_class(compiled: CompiledSpec) -> type[SpecUser]:
    spec = compiled.spec

    def task(user: SpecUser) -> None:
        _iteration(user)

    task.__name__ = spec.path.stem
    task.locust_tag_set = {_tag(t) for t in spec.tags}  # type: ignore[attr-defined]
    attributes: dict[str, Any] = {
        "compiled": compiled,
        "weight": spec.weight,
        "tasks": [task],
        "__module__": __name__,
        "__doc__": f"{spec.endpoint}: {spec.title or spec.path.name}",
    }
    return type(_class_name(spec.path), (SpecUser,), attributes)


def _class_name(path: Path) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", path.stem) if part)


def _tag(text: str) -> str:
    # Locust's --tags takes names separated by spaces, so tags are made single words.
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _selected(user_class: type[Any], options: Any) -> bool:
    if not issubclass(user_class, SpecUser):
        return True
    tags = {_tag(t) for t in user_class.compiled.spec.tags}
    wanted, unwanted = getattr(options, "tags", None), getattr(options, "exclude_tags", None)
    return (not wanted or bool(tags & set(wanted))) and not (unwanted and tags & set(unwanted))


def _register_hooks() -> None:
    if _installed:
        return
    _installed.append(True)
    events.init_command_line_parser.add_listener(add_arguments)

    @events.init.add_listener
    def _on_init(environment: Any, **_: Any) -> None:
        for level, note in _STATE["notes"]:
            _log.log(level, "%s", note)
        # Locust still spawns classes that --tags/--exclude-tags leave without tasks (and
        # they fail at once): a spec whose tags are not selected is taken out of the run.
        selected = [u for u in environment.user_classes if _selected(u, environment.parsed_options)]
        environment.user_classes[:] = selected
        install(environment, _STATE["specs"], _STATE["wait_events"])
