"""`loadspec list`: what each spec is, and whether it runs by default."""

from __future__ import annotations

import argparse
import json
from typing import Any

from loadspec.cli.common import add_spec_options, check_options, spec_paths
from loadspec.language import SpecResult, load_specs

__all__ = ["add_parser", "run"]

_COLUMNS = ("FILE", "ENDPOINT", "STATUS", "RUNS", "TOKENS", "STEPS", "SKIP REASON")


def add_parser(sub: Any) -> None:
    """Register `list`."""
    parser = sub.add_parser(
        "list",
        help="a table of specs: endpoint, status, tokens, steps",
        description="One row per spec: endpoint, status and whether it runs "
        "by default, skip reason, tokens, number of steps.",
    )
    add_spec_options(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print the table."""
    results = load_specs(spec_paths(args), check_options(args))
    rows = [_row(r) for r in results]
    if args.format == "json":
        print(json.dumps([dict(zip(_COLUMNS, row, strict=True)) for row in rows], indent=2))
    else:
        print(_table(rows))
    return 0


def _row(result: SpecResult) -> tuple[str, ...]:
    spec = result.spec
    if spec is None or result.errors:
        reason = result.errors[0].message if result.errors else "unreadable"
        endpoint = str(spec.endpoint) if spec else "?"
        return (
            str(result.path),
            endpoint,
            "invalid",
            "no",
            "",
            "",
            f"{reason} ({len(result.errors)} errors: run loadspec validate)",
        )
    return (
        str(result.path),
        str(spec.endpoint),
        spec.status.value,
        "yes" if spec.runs_by_default else "no",
        ",".join(t.value for t in spec.tokens),
        str(len(spec.steps)),
        "" if spec.runs_by_default else (spec.skip_reason or "(no reason given)"),
    )


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
