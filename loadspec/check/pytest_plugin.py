"""pytest plugin: spec files as test items, checked by `loadspec check`, one item per spec.

    pytest specs/ --loadspec                      # against the embedded gateway
    pytest specs/ --loadspec-host https://api.example.com --loadspec-arg=--include-skipped

Installed with the package (entry point `pytest11`), it does nothing unless `--loadspec` or
`--loadspec-host` is given (or `loadspec = true` in the ini file): only then are `*.md`
files with spec front matter collected. The first item to run checks every collected spec in
one `loadspec check` process (the same command, options and reports as on the command line:
its gevent loop and embedded gateway stay out of pytest's process); each item then reports
its own spec's outcome. A spec fails its item when its status reaches `--fail-on` (default
FAIL); a SKIP skips it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["SpecItem", "SpecsFile"]

_SNIFF = 4096
_ITEMS = pytest.StashKey[list[pytest.Item]]()
_SESSION = pytest.StashKey["_Session"]()
_RANKS = {"SKIP": 0, "PASS": 0, "WARN": 1, "ERROR": 2, "FAIL": 3}


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--loadspec`, `--loadspec-host URL`, `--loadspec-arg ARG` (repeatable)."""
    group = parser.getgroup("loadspec", "loadspec: spec files as contract checks")
    group.addoption("--loadspec", action="store_true", help="collect spec files (*.md) as checks")
    group.addoption(
        "--loadspec-host",
        metavar="URL",
        help="the API to check (implies --loadspec); default: the embedded gateway",
    )
    group.addoption(
        "--loadspec-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an option passed to `loadspec check` (repeatable): --loadspec-arg=--include-skipped",
    )
    parser.addini("loadspec", "collect spec files as checks", type="bool", default=False)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A `*.md` file with a spec's front matter, when collecting specs is asked for."""
    config = parent.config
    if file_path.suffix != ".md" or not _enabled(config) or not _looks_like_spec(file_path):
        return None
    collected: SpecsFile = SpecsFile.from_parent(parent, path=file_path)
    return collected


def _enabled(config: pytest.Config) -> bool:
    return bool(
        config.getoption("loadspec")
        or config.getoption("loadspec_host")
        or config.getini("loadspec")
    )


def _looks_like_spec(path: Path) -> bool:
    """Front matter naming an endpoint: what `loadspec check` will read as a spec."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF).decode("utf-8", "replace")
    except OSError:
        return False
    if not head.startswith("---"):
        return False
    front = head[3:].split("\n---", 1)[0]
    return any(line.startswith("endpoint:") for line in front.splitlines())


class SpecsFile(pytest.File):
    """One spec file: one item."""

    def collect(self) -> Iterator[pytest.Item]:
        yield SpecItem.from_parent(self, name=self.path.stem)


class SpecItem(pytest.Item):
    """One spec's check; the first item run checks them all in one process."""

    def runtest(self) -> None:
        results = _Session.of(self.config).results()
        result = results.get(str(self.path.resolve()))
        if result is None:
            raise SpecCheckFailed(f"{self.path}: loadspec check gave no result for this spec")
        status = result["status"]
        details = result.get("details") or {}
        message = f"{status} {details.get('reason') or ''}: {details.get('message') or ''}"
        if status == "SKIP":
            pytest.skip(message)
        fail_on = _Session.of(self.config).fail_on
        if _RANKS.get(status, 3) >= _RANKS[fail_on] and status != "SKIP":
            raise SpecCheckFailed(_explain(result, message))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        """The check's own words, not a traceback of this plugin."""
        if isinstance(excinfo.value, SpecCheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"loadspec check: {self.path.name}"


class SpecCheckFailed(Exception):
    """A spec's check reached --fail-on: its report is the message."""


def _explain(result: dict[str, Any], headline: str) -> str:
    lines = [f"{result.get('endpoint')}: {headline}"]
    for step in result.get("steps", []):
        if step.get("reason"):
            lines.append(
                f"  {step['phase']} {step['id']}: {step['request']} -> {step['httpStatus']}"
            )
            lines.append(f"    {step['message']}")
            lines += [
                f"    {f['code']} {f['path']} {f['message']}".rstrip() for f in step["findings"]
            ]
            if step.get("sent"):
                lines += [f"    sent: {step['sent']}", f"    received: {step['received']}"]
    return "\n".join(lines)


class _Session:
    """The one `loadspec check` run of a pytest session, made on first use."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self._results: dict[str, dict[str, Any]] | None = None
        self._error: str | None = None
        self.fail_on = "FAIL"

    @classmethod
    def of(cls, config: pytest.Config) -> _Session:
        if _SESSION not in config.stash:
            config.stash[_SESSION] = cls(config)
        return config.stash[_SESSION]

    def results(self) -> dict[str, dict[str, Any]]:
        if self._error is not None:
            raise SpecCheckFailed(self._error)
        if self._results is None:
            try:
                self._results = self._run()
            except SpecCheckFailed as exc:
                self._error = str(exc)
                raise
        return self._results

    def _run(self) -> dict[str, dict[str, Any]]:
        items = [i for i in self.config.stash.get(_ITEMS, []) if isinstance(i, SpecItem)]
        paths = sorted({str(item.path.resolve()) for item in items})
        with tempfile.TemporaryDirectory(prefix="loadspec-pytest-") as folder:
            report = Path(folder) / "check.json"
            argv = [sys.executable, "-m", "loadspec", "check", *paths, "--json", str(report)]
            if host := self.config.getoption("loadspec_host"):
                argv += ["--host", host]
            argv += self.config.getoption("loadspec_arg")
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            if done.returncode not in (0, 1) or not report.exists():
                # A configuration problem (exit 2): every spec item shows the command's words.
                raise SpecCheckFailed(
                    f"loadspec check exited {done.returncode}:\n{done.stderr.strip()}"
                )
            data = json.loads(report.read_text(encoding="utf-8"))
        self.fail_on = str(data["summary"].get("failOn", "FAIL")).upper()
        return {str(Path(r["spec"]).resolve()): r for r in data["results"]}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Remember the spec items: the first to run checks them all."""
    config.stash[_ITEMS] = list(items)
