"""Specs compiled into Locust user classes: one class per spec, one task per iteration."""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections import ChainMap
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import constant, events
from locust.contrib.fasthttp import FastHttpUser

from loadspec.errors import ConfigError, LoadspecError
from loadspec.inputs.masking import Masker
from loadspec.language import CheckOptions, load_specs
from loadspec.locust.contract_checks import Check, contract_checks
from loadspec.locust.growth import grow_with_the_schedule
from loadspec.locust.harness import harness_of, install
from loadspec.locust.options import LoadSettings, add_arguments, early_options
from loadspec.locust.preflight import check_targets, preflight, refuse
from loadspec.locust.shape import profile_shape
from loadspec.locust.transport import FastHttpTransport
from loadspec.locust.workload import Workload, wait_time_of
from loadspec.runtime.compiled import CompiledSpec, compile_spec
from loadspec.runtime.engine import SpecRunner
from loadspec.templating.render import SOURCE_CONFIG_NAMES

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
    row_: dict[str, str]
    first_: bool

    def on_start(self) -> None:
        """Build this user's runner (prerequisites run at its first iteration)."""
        harness = harness_of(self.environment)
        # Specs keep no cookies (nor does the source system's client): a request sends the
        # cookies its headers name. Locust's cookie jar cost about 7% of a request's CPU.
        self.client.client.cookiejar = None
        self.row_, self.first_ = {}, True
        tokens = harness.tokens_for(self.environment)
        variables = harness.settings.variables  # read only, shared by every user; a data row first
        self.runner_ = SpecRunner(
            spec=self.compiled,
            transport=FastHttpTransport(
                self,
                harness.settings.fallback_host,
                pacer=harness.pacer,
                mask=_masker(tokens.secrets),
            ),
            tokens=tokens,
            variables=ChainMap(self.row_, dict(variables))
            if self.compiled.spec.data
            else variables,
            callbacks=harness.box,
            webhook_url=harness.webhook_url_for(self.environment),
            contract_checks=self.checks,
        )


@functools.lru_cache(maxsize=4)
def _masker(secrets: tuple[str, ...]) -> Masker:
    """One masker per set of secrets, shared by every user that sends with them."""
    return Masker(secrets)


def _iteration(user: SpecUser) -> None:
    work: Workload = harness_of(user.environment).workload
    first, user.first_ = user.first_, False
    if not work.begin(user.compiled.spec.data, user.row_, first):
        # This process's iterations or unique rows are used up: idle until the run ends (a
        # stopped user's greenlet makes Locust log errors when it stops the others).
        gevent.sleep(0.5)
        return
    try:
        user.runner_.iteration()
    finally:
        work.end()


def spec_users(paths: Iterable[Path | str] | None = None) -> dict[str, type[Any]]:
    """User classes for the specs under `paths` (default: --specs / LOADSPEC_SPECS).

    Call it from a locustfile and put the result in its globals. A configuration problem
    (an invalid spec, a bad option or threshold) exits 2 before any request; with
    --allow-invalid invalid specs are reported (file:line) and left out. Skipped specs run
    only with --include-skipped.
    """
    _register_hooks()
    given = tuple(Path(p) for p in paths) if paths is not None else ()
    try:
        options = early_options()
        settings = LoadSettings.from_options(options, given)
        classes = _classes(settings)
        check_targets(options, settings, [c.compiled for c in classes.values()])
    except LoadspecError as exc:
        refuse(str(exc))
    return {**classes, **profile_shape(settings.load)}


def _classes(settings: LoadSettings) -> dict[str, type[SpecUser]]:
    chosen = list(settings.specs)
    _STATE["specs"] = settings.specs
    if not chosen:
        raise ConfigError("no specs: give --specs PATH[,PATH] or LOADSPEC_SPECS")
    known = settings.inputs.variables.for_checks(SOURCE_CONFIG_NAMES) | set(settings.variables)
    options = CheckOptions(variables=known, contracts=False)
    classes: dict[str, type[SpecUser]] = {}
    notes: list[tuple[int, str]] = []  # logged at init: logging is not set up while importing
    invalid: list[str] = []
    for result in load_specs(chosen, options):
        shown = _shown(result.path)
        spec = result.spec
        if result.not_a_spec is not None:
            notes.append((logging.INFO, f"loadspec: {shown}: {result.not_a_spec}"))
        elif spec is not None and not spec.runs_by_default and not settings.include_skipped:
            # A skipped spec's problems (if any) matter only when it runs.
            reason = spec.skip_reason or "no reason given"
            notes.append(
                (
                    logging.INFO,
                    f"loadspec: skipping {shown} (status "
                    f"{spec.status.value}: {reason}); --include-skipped runs it",
                )
            )
        elif spec is None or result.errors:
            invalid += [str(p) for p in result.errors] or [f"{shown}: cannot be read"]
            notes += [(logging.ERROR, str(p)) for p in result.errors]
            notes.append((logging.ERROR, f"loadspec: {shown} is invalid and left out of the run"))
        else:
            user_class = _user_class(compile_spec(spec), settings)
            classes[user_class.__name__] = user_class
    if invalid and not settings.allow_invalid:
        count = sum(1 for note in notes if note[1].endswith("left out of the run"))
        raise ConfigError(
            "\n".join(invalid) + f"\nloadspec: {count} invalid spec(s) among those selected: "
            "fix them, or run without them with --allow-invalid"
        )
    # FastHttpUser reads its timeouts from the class when a user is made.
    SpecUser.network_timeout = SpecUser.connection_timeout = settings.request_timeout
    if not classes:
        for _, note in notes:
            print(note, file=sys.stderr)
        raise ConfigError(f"no runnable spec under {', '.join(map(str, chosen))}")
    preflight(settings, [c.compiled for c in classes.values()])
    if settings.validate_responses > 0:
        notes += _attach_checks(classes.values(), settings)
    _STATE["wait_events"] = frozenset(e for c in classes.values() for e in c.compiled.wait_events)
    _STATE["notes"] = notes
    return classes


def _attach_checks(
    classes: Iterable[type[SpecUser]], settings: LoadSettings
) -> list[tuple[int, str]]:
    classes = list(classes)
    compiled = [c.compiled for c in classes]
    checks, notes, unreadable = contract_checks(
        compiled, settings.root, settings.validate_responses, settings.inputs.ref_bases
    )
    if unreadable and not settings.allow_invalid:
        raise ConfigError(
            "\n".join(unreadable) + "\nloadspec: --validate-responses cannot check these "
            "specs' responses: fix their swagger:, or run unchecked with --allow-invalid"
        )
    notes += unreadable
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


def _user_class(compiled: CompiledSpec, settings: LoadSettings) -> type[SpecUser]:
    spec = compiled.spec

    def task(user: SpecUser) -> None:
        _iteration(user)

    task.__name__ = spec.path.stem
    task.locust_tag_set = {_tag(t) for t in spec.tags}  # type: ignore[attr-defined]
    attributes: dict[str, Any] = {
        "compiled": compiled,
        "wait_time": wait_time_of(spec.pace, settings.load),
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
        harness = install(environment, _STATE["specs"], _STATE["wait_events"])
        harness.workload = work = Workload(environment, harness.settings.load)
        grow_with_the_schedule(environment, harness.settings.load, lambda: work.achieved()[1])
