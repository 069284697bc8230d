"""Run Locust as a user does, in a subprocess, and read its CSV statistics."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadspec.webhooks.defaults import SECRET_ENV
from tests.conftest import ROOT

LOCUST = [sys.executable, "-m", "locust"]


@dataclass(frozen=True)
class Row:
    """One row of `<prefix>_stats.csv`."""

    kind: str
    name: str
    requests: int
    failures: int


def run_locust(
    tmp: Path,
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 180,
) -> tuple[subprocess.CompletedProcess[str], dict[tuple[str, str], Row]]:
    """`locust ARGS --csv tmp/run`; returns the process and its stats rows by (type, name)."""
    done = subprocess.run(
        [*LOCUST, *args, "--csv", str(tmp / "run")],
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
    return done, read_stats(tmp / "run_stats.csv")


def named_gateway(gateway: Any) -> dict[str, str]:
    """What a run against `gateway` by its URL (--host) needs: its token, the secret it signs
    callbacks with (without it, specs that wait for callbacks refuse to start)."""
    return {"LOADSPEC_TOKEN_STAFF": gateway.token, SECRET_ENV: gateway.secret}


def read_stats(path: Path) -> dict[tuple[str, str], Row]:
    """The rows of a Locust stats CSV, Aggregated left out."""
    if not path.is_file():
        return {}
    with path.open() as handle:
        rows = [
            Row(r["Type"], r["Name"], int(r["Request Count"]), int(r["Failure Count"]))
            for r in csv.DictReader(handle)
            if r["Name"] != "Aggregated"
        ]
    return {(row.kind, row.name): row for row in rows}


def read_failures(path: Path) -> list[dict[str, str]]:
    """The rows of a Locust failures CSV."""
    with path.open() as handle:
        return list(csv.DictReader(handle))


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
