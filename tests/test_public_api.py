"""The public surface is deliberate, and importing it pulls in neither locust nor schemathesis."""

from __future__ import annotations

import subprocess
import sys

import loadspec


def test_exported_names_are_pinned() -> None:
    """Adding or removing a public name is a decision, made here."""
    assert sorted(loadspec.__all__) == [
        "CheckOptions", "ConfigError", "ContractError", "Endpoint", "Expect", "FileField",
        "HttpMethod", "LoadspecError", "OnFail", "Poll", "PrerequisitesScope", "Problem",
        "Severity", "Spec", "SpecError", "SpecResult", "Status", "Step", "TemplateError",
        "TokenType", "Wait", "__version__", "find_spec_files", "load_spec", "load_specs",
    ]  # fmt: skip
    for name in loadspec.__all__:
        assert getattr(loadspec, name) is not None


def test_layers_do_not_import_locust_or_schemathesis() -> None:
    """Locust monkey-patches on import; schemathesis pulls urllib3: neither may leak in."""
    modules = (
        "loadspec",
        "loadspec.runtime.engine",
        "loadspec.locust",
        "loadspec.contract.conformance",
        "loadspec.verdicts.junit",
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


def test_the_error_tree_is_documented_whole() -> None:
    """Every `LoadspecError` subclass in the package is named in the `loadspec.errors` tree."""
    # In a fresh process: walking every module imports schemathesis, and with it urllib3.
    code = """
import importlib, pkgutil, loadspec
from loadspec import errors
for info in pkgutil.walk_packages(loadspec.__path__, "loadspec."):
    if not info.name.endswith("__main__"):
        importlib.import_module(info.name)
seen, todo = set(), [errors.LoadspecError]
while todo:
    for sub in todo.pop().__subclasses__():
        if not sub.__name__.startswith("_") and sub not in seen:
            seen.add(sub)
            todo.append(sub)
print(" ".join(sorted(s.__name__ for s in seen)))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    found = done.stdout.split()
    assert "StubStartError" in found and "FuzzError" in found
    from loadspec import errors

    assert [name for name in found if name not in (errors.__doc__ or "")] == []
    exported = {n for n in loadspec.__all__ if n.endswith("Error")}
    assert exported == {
        "ConfigError",
        "ContractError",
        "LoadspecError",
        "SpecError",
        "TemplateError",
    }
