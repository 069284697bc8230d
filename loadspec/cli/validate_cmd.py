"""`loadspec validate`: every problem in every spec, one line each, and a closing summary."""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from loadspec.cli.common import check_options
from loadspec.config.settings import RunSettings
from loadspec.errors import Problem, Severity
from loadspec.language import SpecResult, SpecVerdict, load_specs

__all__ = ["run"]

# A warning repeated more often than this is shown once, with a count (--verbose: each).
_GROUP_ABOVE = 3


def run(settings: RunSettings) -> int:
    """Validate and report."""
    results = load_specs(list(settings.specs), check_options(settings))
    if settings["strict"]:
        results = [_strict(r) for r in results]
    if settings["format"] == "json":
        print(json.dumps(_as_json(results), indent=2))
    else:
        for line in _lines(results, verbose=settings["verbose"]):
            print(line)
        if needs := _needs(results):
            print(needs, file=sys.stderr)
        print(_summary(results), file=sys.stderr)
    return 1 if any(r.errors or r.verdict is SpecVerdict.INVALID for r in results) else 0


def _strict(result: SpecResult) -> SpecResult:
    problems = tuple(replace(p, severity=Severity.ERROR) for p in result.problems)
    return replace(result, problems=problems)


def _lines(results: list[SpecResult], *, verbose: bool) -> Iterator[str]:
    """Each problem and note in file order; a warning repeated often shown once, counted."""
    repeats = Counter(p.message for r in results for p in r.warnings)
    files = Counter(m for r in results for m in {p.message for p in r.warnings})
    shown: set[str] = set()
    for result in results:
        lines: list[tuple[int, str]] = []
        for problem in result.problems:
            count = 1 if problem.is_error else repeats[problem.message]
            if verbose or count <= _GROUP_ABOVE:
                lines.append((problem.line, str(problem)))
            elif problem.message not in shown:
                shown.add(problem.message)
                more = f"{count - 1} more like it in {_count(files[problem.message], 'file')}"
                lines.append((problem.line, f"{problem} (and {more}; --verbose shows each)"))
        if (note := _note(result)) is not None:
            lines.append(note)
        yield from (text for _, text in sorted(lines, key=lambda item: item[0]))


def _note(result: SpecResult) -> tuple[int, str] | None:
    """Why a file does not run although it is not invalid: not a spec, or skipped."""
    if result.not_a_spec is not None:
        return 0, f"{result.path}:0: note: {result.not_a_spec}"
    spec = result.spec
    if spec is None or result.verdict is not SpecVerdict.SKIPPED_WITH_PROBLEMS:
        return None
    line = spec.source.line(("status",))
    reason = spec.skip_reason or "no reason given"
    return line, (
        f"{result.path}:{line}: note: skipped, with problems (status {spec.status.value}: "
        f"{reason}); they matter only when it runs (--include-skipped)"
    )


def _needs(results: list[SpecResult]) -> str | None:
    uses = Counter(name for r in results for name in r.needs)
    if not uses:
        return None
    names = ", ".join(f"{n} ({_count(c, 'file')})" for n, c in sorted(uses.items()))
    return (
        f"note: names the source system's configuration supplies, with no value here: "
        f"{names}; a run needs them (--var NAME=VALUE, or --api-validation-config)"
    )


def _summary(results: list[SpecResult]) -> str:
    verdicts = Counter(r.verdict for r in results)
    skipped = verdicts[SpecVerdict.SKIPPED] + verdicts[SpecVerdict.SKIPPED_WITH_PROBLEMS]
    troubled = verdicts[SpecVerdict.SKIPPED_WITH_PROBLEMS]
    with_problems = f" ({troubled} with problems)" if troubled else ""
    not_specs = verdicts[SpecVerdict.NOT_A_SPEC]
    others = f", {_count(not_specs, 'not a spec', 'not specs')}" if not_specs else ""
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    return (
        f"{_count(len(results), 'file')}: {verdicts[SpecVerdict.RUNNABLE]} runnable, "
        f"{skipped} skipped{with_problems}, {verdicts[SpecVerdict.INVALID]} invalid{others}; "
        f"{_count(errors, 'error')}, {_count(warnings, 'warning')}"
    )


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def _as_json(results: list[SpecResult]) -> dict[str, Any]:
    return {
        "files": [_file_json(r) for r in results],
        "summary": _summary(results),
    }


def _file_json(result: SpecResult) -> dict[str, Any]:
    spec = result.spec
    return {
        "path": str(result.path),
        "valid": result.ok,
        "verdict": result.verdict.value,
        "endpoint": str(spec.endpoint) if spec else None,
        "status": spec.status.value if spec else None,
        "skip_reason": spec.skip_reason if spec and not spec.runs_by_default else None,
        "note": result.not_a_spec,
        "needs": sorted(result.needs),
        "problems": [_problem_json(p) for p in result.problems],
    }


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "line": problem.line,
        "severity": problem.severity.value,
        "location": problem.location,
        "message": problem.message,
    }
