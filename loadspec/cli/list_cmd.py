"""`loadspec list`: what each spec is, and whether it runs by default."""

from __future__ import annotations

import json

from loadspec.cli.common import check_options
from loadspec.config.settings import RunSettings
from loadspec.language import SpecResult, SpecVerdict, load_specs

__all__ = ["run"]

_COLUMNS = ("FILE", "ENDPOINT", "STATUS", "RUNS", "TOKENS", "STEPS", "SKIP REASON")


def run(settings: RunSettings) -> int:
    """Print the table."""
    results = load_specs(list(settings.specs), check_options(settings))
    rows = [_row(r) for r in results]
    if settings["format"] == "json":
        print(json.dumps([dict(zip(_COLUMNS, row, strict=True)) for row in rows], indent=2))
    else:
        print(_table(rows))
    return 0


def _row(result: SpecResult) -> tuple[str, ...]:
    spec = result.spec
    if result.not_a_spec is not None:
        return (str(result.path), "-", "not a spec", "no", "", "", result.not_a_spec)
    if spec is None or result.verdict is SpecVerdict.INVALID:
        reason = result.errors[0].message if result.errors else "unreadable"
        endpoint = str(spec.endpoint) if spec else "?"
        return (str(result.path), endpoint, "invalid", "no", "", "", f"{reason} {_see(result)}")
    reason = "" if spec.runs_by_default else (spec.skip_reason or "(no reason given)")
    status = spec.status.value
    if result.verdict is SpecVerdict.SKIPPED_WITH_PROBLEMS:
        status, reason = f"{status}, with problems", f"{reason} {_see(result)}"
    return (
        str(result.path),
        str(spec.endpoint),
        status,
        "yes" if spec.runs_by_default else "no",
        ",".join(t.value for t in spec.tokens),
        str(len(spec.steps)),
        reason,
    )


def _see(result: SpecResult) -> str:
    count = len(result.errors)
    return f"({count} error{'' if count == 1 else 's'}: run loadspec validate)"


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [
        max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(_COLUMNS)
    ]
    widths[-1] = len(_COLUMNS[-1])  # the reason column runs free rather than padding every row
    lines = ["  ".join(c.ljust(w) for c, w in zip(_COLUMNS, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines)
