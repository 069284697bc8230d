"""`loadspec validate`: every problem in every spec, one line each."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any

from loadspec.cli.common import add_spec_options, check_options, spec_paths
from loadspec.errors import Problem, Severity
from loadspec.language import SpecResult, load_specs

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Register `validate`."""
    parser = sub.add_parser(
        "validate",
        help="check spec files and report every problem",
        description="Check spec files; print PATH:LINE: error|warning: "
        "MESSAGE for each problem. Exit 0 when no errors, 1 "
        "when any, 2 for a usage error.",
    )
    add_spec_options(parser)
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Validate and report."""
    results = load_specs(spec_paths(args), check_options(args))
    if args.strict:
        results = [_strict(r) for r in results]
    if args.format == "json":
        print(json.dumps(_as_json(results), indent=2))
    else:
        for result in results:
            for problem in result.problems:
                print(problem)
        print(_summary(results), file=sys.stderr)
    return 1 if any(r.errors or r.spec is None for r in results) else 0


def _strict(result: SpecResult) -> SpecResult:
    problems = tuple(replace(p, severity=Severity.ERROR) for p in result.problems)
    return replace(result, problems=problems)


def _summary(results: list[SpecResult]) -> str:
    bad = sum(1 for r in results if not r.ok)
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    return (
        f"{len(results)} spec files: {len(results) - bad} valid, {bad} invalid; "
        f"{errors} errors, {warnings} warnings"
    )


def _as_json(results: list[SpecResult]) -> dict[str, Any]:
    return {
        "files": [
            {
                "path": str(r.path),
                "valid": r.ok,
                "endpoint": str(r.spec.endpoint) if r.spec else None,
                "status": r.spec.status.value if r.spec else None,
                "problems": [_problem_json(p) for p in r.problems],
            }
            for r in results
        ],
        "summary": _summary(results),
    }


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "line": problem.line,
        "severity": problem.severity.value,
        "location": problem.location,
        "message": problem.message,
    }
