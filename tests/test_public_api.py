"""The public surface is deliberate, and importing it pulls in neither locust nor schemathesis."""

from __future__ import annotations

import subprocess
import sys

import loadspec


def test_exported_names_are_pinned() -> None:
    """Adding or removing a public name is a decision, made here."""
    assert sorted(loadspec.__all__) == [
        "CheckOptions", "Endpoint", "Expect", "FileField", "HttpMethod", "LoadspecError",
        "OnFail", "Poll", "PrerequisitesScope", "Problem", "Severity", "Spec", "SpecError",
        "SpecResult", "Status", "Step", "TokenType", "Wait", "__version__", "find_spec_files",
        "load_spec", "load_specs",
    ]  # fmt: skip
    for name in loadspec.__all__:
        assert getattr(loadspec, name) is not None


def test_layers_do_not_import_locust_or_schemathesis() -> None:
    """Locust monkey-patches on import; schemathesis pulls urllib3: neither may leak in."""
    modules = (
        "loadspec",
        "loadspec.runtime.engine",
        "loadspec.locust",
        "loadspec.conformance",
        "loadspec.locust.thresholds",
        "loadspec.cli",
        "loadspec.stub",
    )
    code = (
        f"import sys\nfor m in {modules!r}: __import__(m)\n"
        "print(sorted(m for m in ('locust', 'schemathesis', 'requests', 'urllib3') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
