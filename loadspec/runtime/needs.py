"""What credentials a run's specs need and do not have, said before any request is sent."""

from __future__ import annotations

from collections.abc import Iterable

from loadspec.inputs.credentials import Credentials
from loadspec.runtime.compiled import CompiledSpec, CompiledStep

__all__ = ["missing_credential", "missing_credentials", "scheme_names"]


def missing_credential(credentials: Credentials, step: CompiledStep) -> str | None:
    """What credential `step` needs and `credentials` lacks (its scheme or token type, and
    the variable to set), or None."""
    if step.step.method is None:
        return None
    if step.security is not None:
        sent = credentials.for_security(step.security, step.step.token)
        return f"{step.name} {sent}" if isinstance(sent, str) else None
    return None if step.step.token is None else credentials.missing(step.step.token)


def missing_credentials(specs: Iterable[CompiledSpec], credentials: Credentials) -> list[str]:
    """One line per missing credential: the first spec and step that needs it (`file:line:
    step id`), how many more do, the scheme or token type and its variable."""
    missing: dict[str, list[str]] = {}
    for compiled in specs:
        for step in compiled.prerequisites + compiled.test_request:
            why = missing_credential(credentials, step)
            if why is not None:
                where = f"{compiled.spec.path}:{step.step.line}: step {step.step.id}"
                missing.setdefault(why, []).append(where)
    return [f"{where[0]}{_more(len(where) - 1)}: {why}" for why, where in sorted(missing.items())]


def scheme_names(specs: Iterable[CompiledSpec]) -> set[str]:
    """Every security scheme the steps of `specs` may send (by its contract's name)."""
    return {
        scheme.name
        for compiled in specs
        for step in compiled.prerequisites + compiled.test_request
        if step.security is not None
        for alternative in step.security.alternatives
        for scheme in alternative
    }


def _more(count: int) -> str:
    return f" (and {count} more step{'s' if count > 1 else ''})" if count else ""
