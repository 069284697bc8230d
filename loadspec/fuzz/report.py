"""The console report of a fuzz run: one line per operation, every failure with its curl."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from loadspec.fuzz.plan import Excluded, FuzzPlan, FuzzTarget, shown
from loadspec.fuzz.results import Finding, FuzzResult, OperationResult, Outcome

__all__ = ["excluded_lines", "plan_lines", "summary_lines"]

_INDENT = "    "


def summary_lines(result: FuzzResult, target: str) -> Iterator[str]:
    """The whole report, line by line."""
    ops = result.operations
    requests = sum(op.cases for op in ops)
    yield (
        f"loadspec fuzz: {len(ops)} operation(s), {requests} requests to {target}, "
        f"seed {result.seed}"
    )
    yield ""
    yield from _operation_lines(ops)
    failures = [(op, f) for op in ops for f in op.findings]
    if failures:
        yield ""
        yield "Failures"
        for number, (op, finding) in enumerate(failures, 1):
            yield from _finding_lines(number, op, finding)
    yield from _problem_lines(result)
    yield ""
    yield _verdict(result, len(failures))


def _operation_lines(ops: Iterable[OperationResult]) -> Iterator[str]:
    rows = list(ops)
    width = max((len(op.target.name) for op in rows), default=0)
    for op in rows:
        detail = f"{op.cases} requests"
        if op.findings:
            detail += f", {len(op.findings)} failure(s)"
        if op.errors:
            detail += f", {len(op.errors)} error(s)"
        if op.not_run:
            detail = op.not_run
        yield f"  {op.outcome.value.upper():8} {op.target.name:{width}}  {detail}"


def _finding_lines(number: int, op: OperationResult, finding: Finding) -> Iterator[str]:
    status = f", status {finding.status}" if finding.status is not None else ""
    yield f"  {number}) {op.target.name}: {finding.title} [{finding.check}{status}]"
    if finding.message.strip():
        yield from _indented(finding.message)
    yield f"{_INDENT}Reproduce:"
    for command in finding.reproduce:
        yield from _indented(command, 2)


def _problem_lines(result: FuzzResult) -> Iterator[str]:
    errors = [(op.target.name, e) for op in result.operations for e in op.errors]
    errors += [(shown(c.contract), e) for c in result.contracts for e in c.errors]
    if errors:
        yield ""
        yield "Errors (tests that could not run to the end)"
        for where, error in errors:
            yield f"  {where}:"
            yield from _indented(error)
    notes = [(shown(c.contract), n) for c in result.contracts for n in c.notes]
    if notes:
        yield ""
        yield "Contract notes"
        yield from (f"  {where}: {note}" for where, note in notes)


def _verdict(result: FuzzResult, failures: int) -> str:
    ops = result.operations
    counts = {o: sum(1 for op in ops if op.outcome is o) for o in Outcome}
    parts = [f"{n} {o.value}" for o, n in counts.items() if n]
    tail = f"; rerun with --seed {result.seed} to reproduce" if result.failed else ""
    verdict = "FAILED" if result.failed else "OK"
    return f"{verdict}: {', '.join(parts) or 'nothing run'} ({failures} distinct failure(s)){tail}"


def excluded_lines(excluded: Iterable[Excluded]) -> Iterator[str]:
    """What the plan left out: problems first, then the specs skipped by status."""
    rows = list(excluded)
    problems = [e for e in rows if not e.skipped]
    skipped = [e for e in rows if e.skipped]
    if problems:
        yield f"not fuzzed ({len(problems)} spec(s) cannot be used):"
        yield from (f"  {e}" for e in problems)
    if skipped:
        yield f"skipped by status ({len(skipped)} spec(s)):"
        yield from (f"  {e}" for e in skipped)


def plan_lines(plan: FuzzPlan, unusable: Mapping[Path, Mapping[str, str]]) -> Iterator[str]:
    """The plan of a `--dry-run`: operations per contract, their tokens and pins."""
    for contract in plan.contracts:
        base = contract.contract.base_path or "/"
        yield f"{shown(contract.contract.path)} (base path {base}):"
        yield from (f"{_INDENT}note: {note}" for note in contract.notes)
        for target in contract.targets:
            why = unusable.get(contract.contract.path, {}).get(target.label)
            state = f"NOT USABLE: {why}" if why else "ok"
            yield f"  {target.name}  [{_credential(target)}] {state}"
            for key, value in {**target.pins.parameters, **target.pins.headers}.items():
                yield f"{_INDENT}pins {key} = {value!r}"
    yield from excluded_lines(plan.excluded)


def _indented(text: str, level: int = 1) -> Iterator[str]:
    prefix = _INDENT * level
    for line in text.splitlines() or [""]:
        yield textwrap.indent(line, prefix) if line else ""


def _credential(target: FuzzTarget) -> str:
    """What a `--dry-run` says its requests carry."""
    if target.security is not None:
        alternatives = [
            " + ".join(s.name for s in alt) or "none" for alt in target.security.alternatives
        ]
        return "schemes " + (" | ".join(alternatives) or "none")
    return f"token {target.token.value if target.token else 'none'}"
