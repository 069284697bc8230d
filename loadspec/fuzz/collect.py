"""Turn schemathesis' event stream into per-operation results, and progress lines on the way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from schemathesis.engine import events
from schemathesis.engine.recorder import CheckNode, ScenarioRecorder
from schemathesis.engine.run import PhaseName

from loadspec.fuzz.plan import FuzzTarget
from loadspec.fuzz.results import Finding, OperationResult
from loadspec.inputs.masking import Masker

__all__ = ["Collector", "Progress"]

Progress = Callable[[str], None]
_TESTING_PHASES = frozenset(
    {PhaseName.EXAMPLES, PhaseName.COVERAGE, PhaseName.FUZZING, PhaseName.STATEFUL_TESTING}
)
_MESSAGE_LINES = 40


class Collector:
    """Accumulates cases, distinct failures and errors per operation label."""

    def __init__(self, targets: Sequence[FuzzTarget], redact: Masker, progress: Progress) -> None:
        self._targets = {t.label: t for t in targets}
        self._redact = redact
        self._progress = progress
        self._cases: Counter[str] = Counter()
        self._seconds: dict[str, float] = {}
        self._findings: dict[str, dict[tuple[str, str, str], Finding]] = {}
        self._errors: dict[str, list[str]] = {}
        self._run_errors: list[str] = []
        self._phase_cases = 0
        self._phase_failures = 0

    def handle(self, event: events.EngineEvent) -> None:
        """Take one engine event into account."""
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            self._scenario(event.recorder)
        elif isinstance(event, events.NonFatalError):
            self._error(event)
        elif isinstance(event, events.FatalError):
            self._run_errors.append(self._redact(f"schemathesis stopped: {event.exception}"))
        elif isinstance(event, events.PhaseStarted):
            self._phase_cases = self._phase_failures = 0
        elif isinstance(event, events.PhaseFinished) and event.phase.name in _TESTING_PHASES:
            self._progress(self._phase_line(event))
        elif isinstance(event, events.EngineFinished):
            self._run_errors.extend(self._redact(str(f)) for f in event.failures)

    def results(self) -> dict[str, OperationResult]:
        """Per label, what was found so far."""
        labels = dict.fromkeys([*self._targets, *self._cases, *self._findings, *self._errors])
        return {label: self._result(label) for label in labels if label in self._targets}

    def run_errors(self) -> tuple[str, ...]:
        """Problems of the run as a whole (not tied to one planned operation)."""
        return tuple(dict.fromkeys(self._run_errors))

    def _result(self, label: str) -> OperationResult:
        findings = tuple(self._findings.get(label, {}).values())
        errors = tuple(dict.fromkeys(self._errors.get(label, [])))
        target, cases, seconds = (
            self._targets[label],
            self._cases[label],
            self._seconds.get(label, 0.0),
        )
        return OperationResult(target, cases, findings, errors, seconds=seconds)

    def _scenario(self, recorder: ScenarioRecorder) -> None:
        for case_id, interaction in recorder.interactions.items():
            node = recorder.cases.get(case_id)
            if node is not None:
                label = node.value.operation.label
                self._cases[label] += 1
                elapsed = interaction.response.elapsed if interaction.response else 0.0
                self._seconds[label] = self._seconds.get(label, 0.0) + elapsed
                self._phase_cases += 1
        for case_id, checks in recorder.checks.items():
            node = recorder.cases.get(case_id)
            label = node.value.operation.label if node is not None else "?"
            for check in checks:
                if check.failure_info is not None:
                    self._finding(label, check, self._status(recorder, case_id))

    def _finding(self, label: str, check: CheckNode, status: int | None) -> None:
        info = check.failure_info
        assert info is not None
        failure = info.failure
        key = (check.name, failure.title, failure.message.split("\n", 1)[0])
        known = self._findings.setdefault(label, {})
        if key in known:
            return
        self._phase_failures += 1
        steps = [step.curl for step in info.steps] or [info.code_sample]
        known[key] = Finding(
            check=check.name,
            code=str(getattr(failure, "code", "")),
            title=self._redact(failure.title),
            message=_clip(self._redact(failure.message)),
            reproduce=tuple(self._redact(s) for s in steps),
            status=status,
        )

    @staticmethod
    def _status(recorder: ScenarioRecorder, case_id: str) -> int | None:
        interaction = recorder.interactions.get(case_id)
        response = interaction.response if interaction is not None else None
        return None if response is None else int(response.status_code)

    def _error(self, event: events.NonFatalError) -> None:
        text = _clip(self._redact(f"{event.info.title}: {event.info.message.strip()}"), 6)
        if event.related_to_operation and event.label in self._targets:
            self._errors.setdefault(event.label, []).append(text)
        else:
            self._run_errors.append(f"{event.label}: {text}")

    def _phase_line(self, event: events.PhaseFinished) -> str:
        name = event.phase.name.value
        reason = event.phase.skip_reason
        if reason is not None and not self._phase_cases:
            return f"  {name}: skipped ({_reason_text(reason)})"
        return f"  {name}: {self._phase_cases} requests, {self._phase_failures} new failure(s)"


def _reason_text(reason: Any) -> str:
    return str(getattr(reason, "value", reason)).replace("_", " ")


def _clip(text: str, lines: int = _MESSAGE_LINES) -> str:
    kept = text.strip().splitlines()
    more = len(kept) - lines
    return "\n".join(kept[:lines] + ([f"... ({more} more lines)"] if more > 0 else []))
