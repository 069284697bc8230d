"""Reading spec files: `load_spec(path)` -> `SpecResult` with the model and every problem."""

from __future__ import annotations

import enum
import gc
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from loadspec.errors import LoadspecError, Problem, Severity, SpecError
from loadspec.files import SpecFiles
from loadspec.language.build import build_spec
from loadspec.language.check import CheckOptions, check_spec
from loadspec.language.loader import decode, parse_text
from loadspec.language.model import Spec

__all__ = [
    "CheckOptions",
    "SpecResult",
    "SpecVerdict",
    "find_spec_files",
    "load_spec",
    "load_specs",
    "load_text",
]

# The source system's tool skips these by name in its workflow folders.
_NOT_SPECS = frozenset({"TEMPLATE.md"})
_PATH_PARAM = re.compile(r"\{[^}]*\}")


class SpecVerdict(enum.StrEnum):
    """What a file is, for people: whether it runs, and why not."""

    RUNNABLE = "runnable"
    SKIPPED = "skipped"
    SKIPPED_WITH_PROBLEMS = "skipped, with problems"
    INVALID = "invalid"
    NOT_A_SPEC = "not a spec"


@dataclass(frozen=True, slots=True)
class SpecResult:
    """One file's outcome.

    Attributes:
        path: the file.
        spec: the model, when the file could be built at all.
        problems: errors and warnings, in file order.
        needs: names used that only the run gives a value (the source system's configuration).
        not_a_spec: why a file found in a folder is not a spec (None for a spec).
    """

    path: Path
    spec: Spec | None
    problems: tuple[Problem, ...]
    needs: frozenset[str] = frozenset()
    not_a_spec: str | None = None

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that stop the spec from running."""
        return tuple(p for p in self.problems if p.is_error)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems that do not."""
        return tuple(p for p in self.problems if not p.is_error)

    @property
    def ok(self) -> bool:
        """A model was built and no problem is an error."""
        return self.spec is not None and not self.errors

    @property
    def verdict(self) -> SpecVerdict:
        """Runnable, skipped (with or without problems), invalid, or not a spec at all."""
        if self.not_a_spec is not None:
            return SpecVerdict.NOT_A_SPEC
        if self.spec is not None and not self.spec.runs_by_default:
            return SpecVerdict.SKIPPED_WITH_PROBLEMS if self.errors else SpecVerdict.SKIPPED
        return SpecVerdict.RUNNABLE if self.ok else SpecVerdict.INVALID

    def unwrap(self) -> Spec:
        """The spec, or `SpecError` with every error."""
        if self.spec is None or self.errors:
            raise SpecError(self.errors)
        return self.spec


def load_text(
    text: str, path: Path, options: CheckOptions | None = None, *, in_folder: bool = False
) -> SpecResult:
    """Parse, build and check a spec's text; `in_folder`: found in a folder, not named."""
    raw = parse_text(text, str(path))
    if in_folder and raw.no_front_matter:
        return _not_a_spec(path, "no front matter")
    options = _with_files(options or CheckOptions(), [path])
    spec = build_spec(raw, path, options.files)
    if spec is not None:
        check_spec(spec, raw, options)
    problems = sorted(raw.problems, key=lambda p: (p.line, not p.is_error))
    return SpecResult(path, spec, tuple(problems), frozenset(raw.needs))


def load_spec(
    path: Path, options: CheckOptions | None = None, *, in_folder: bool = False
) -> SpecResult:
    """Read one spec file; bad bytes, bad YAML and bad steps become problems, never exceptions.

    A file found in a folder (`in_folder`) without front matter is no spec: a README.
    """
    if in_folder and path.name in _NOT_SPECS:
        return _not_a_spec(path, f"{path.name} is the source system's template")
    try:
        # Unbuffered: one read of the whole file, without Path.read_bytes' buffer and isatty().
        with open(path, "rb", buffering=0) as handle:
            data = handle.readall()
    except OSError as exc:
        return SpecResult(path, None, (Problem(str(path), 0, f"cannot read: {exc.strerror}"),))
    text, problems = decode(data, str(path))
    if text is None:
        return SpecResult(path, None, tuple(problems))
    return load_text(text, path, options, in_folder=in_folder)


def _not_a_spec(path: Path, why: str) -> SpecResult:
    return SpecResult(path, None, (), not_a_spec=f"{why}: not a spec, skipped")


def find_spec_files(paths: Iterable[Path]) -> list[Path]:
    """The files named, and every `*.md` below the folders named, in a stable order."""
    return list(_found(paths))


def _found(paths: Iterable[Path]) -> dict[Path, bool]:
    """Each file, and whether it was found in a folder (True) rather than named."""
    found: dict[Path, bool] = {}
    for path in paths:
        if path.is_dir():
            for below in sorted(_markdown_below(path)):
                found.setdefault(below, True)
        elif path.is_file():
            found[path] = False
        else:
            raise LoadspecError(f"{path}: no such file or folder")
    return found


def load_specs(paths: Iterable[Path], options: CheckOptions | None = None) -> list[SpecResult]:
    """Every spec file under `paths`, loaded and checked, then checked against each other."""
    named = list(paths)
    found = _found(named)
    options = _with_files(options or CheckOptions(), named)
    with _cycle_collector_paused():
        results = [load_spec(path, options, in_folder=folder) for path, folder in found.items()]
    return _same_operation(results)


def _with_files(options: CheckOptions, named: list[Path]) -> CheckOptions:
    """The options with where spec-named files may be: given, or the trees of `named`."""
    if options.files is not None:
        return options
    return replace(options, files=SpecFiles.of(named, options.root))


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Reading keeps every spec's model and the parsed contracts, and makes no reference cycles:
    CPython's cyclic collector would rescan them about 115 times a 1,000 specs for nothing
    (collecting 0 objects, 40-55 ms of a 300 ms run). Refcounting still frees all garbage."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _same_operation(results: list[SpecResult]) -> list[SpecResult]:
    """Warn where two specs name one operation and only one of them runs by default.

    The source system keeps one spec per endpoint; which one depends on its file order.
    """
    by_operation: dict[tuple[str, str], list[int]] = {}
    for index, result in enumerate(results):
        if result.spec is not None:
            endpoint = result.spec.endpoint
            route = _PATH_PARAM.sub("{}", endpoint.route.rstrip("/"))
            by_operation.setdefault((endpoint.method.value, route), []).append(index)
    for indexes in by_operation.values():
        runs = {i: _runs(results[i]) for i in indexes}
        if len(set(runs.values())) < 2:
            continue  # all run, or none does: nothing to warn about
        for index in indexes:
            others = [results[i] for i in indexes if runs[i] != runs[index]]
            results[index] = _also_named(results[index], others)
    return results


def _runs(result: SpecResult) -> bool:
    return result.spec is not None and result.spec.runs_by_default


def _run_word(runs: bool) -> str:
    return "runs" if runs else "does not run"


def _also_named(result: SpecResult, others: list[SpecResult]) -> SpecResult:
    spec = result.spec
    if spec is None:
        return result
    names = ", ".join(f"{o.path} (status {o.spec.status.value})" for o in others if o.spec)
    warning = Problem(
        str(result.path),
        spec.source.line(("status",)),
        f"{spec.endpoint} is also named by {names}, which {_run_word(not spec.runs_by_default)}"
        f" by default, while this spec (status {spec.status.value}) "
        f"{_run_word(spec.runs_by_default)}; the source system keeps one spec per endpoint",
        Severity.WARNING,
        "$.status",
    )
    problems = sorted((*result.problems, warning), key=lambda p: (p.line, not p.is_error))
    return replace(result, problems=tuple(problems))


def _markdown_below(folder: Path) -> Iterator[Path]:
    # os.walk reads file types from the directory entries: no stat() per file, unlike rglob.
    for root, _, names in os.walk(folder):
        yield from (Path(root, name) for name in names if name.endswith(".md"))
