"""How load options merge: pyproject, LOADSPEC_* variables, then the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from loadspec.errors import LoadspecError
from loadspec.locust.options import LoadSettings
from tests.conftest import ROOT


def options(**values: object) -> argparse.Namespace:
    defaults = {
        "specs": "",
        "root": None,
        "var": [],
        "include_skipped": False,
        "fallback_host": None,
        "validate_responses": "0",
        "threshold": [],
        "junit": None,
    }
    return argparse.Namespace(**{**defaults, **values})


def test_variables_merge_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """[tool.loadspec.vars] < LOADSPEC_VAR_<NAME> (lower-cased) < --var."""
    monkeypatch.chdir(ROOT)
    environ = {"LOADSPEC_VAR_BUSINESS_ID": "from-env", "LOADSPEC_VAR_REGION": "eu"}
    settings = LoadSettings.from_options(options(var=["region=us"]), environ=environ)
    assert settings.variables["business_id"] == "from-env"
    assert settings.variables["region"] == "us"
    project = LoadSettings.from_options(options(), environ={})
    assert project.variables["business_id"] == "loadspec-demo-business"


def test_specs_rates_and_thresholds_are_parsed() -> None:
    """Comma-separated specs, a percentage rate, thresholds, a JUnit path."""
    settings = LoadSettings.from_options(
        options(
            specs="a.md, b/ ,", validate_responses="5%", threshold=["p95<300"], junit="out/j.xml"
        ),
        environ={},
    )
    assert settings.specs == (Path("a.md"), Path("b"))
    assert settings.validate_responses == 0.05
    assert [t.metric for t in settings.thresholds] == ["p95"]
    assert settings.junit == Path("out/j.xml")


def test_locustfile_specs_win_over_the_option() -> None:
    """A locustfile that names its specs (messages.py) is not redirected by --specs."""
    settings = LoadSettings.from_options(options(specs="other.md"), (Path("mine"),), environ={})
    assert settings.specs == (Path("mine"),)


@pytest.mark.parametrize(("name", "value"), [("validate_responses", "lots"), ("var", ["novalue"])])
def test_bad_values_are_clear_errors(name: str, value: object) -> None:
    """A bad rate or --var is a LoadspecError (the locustfile turns it into a usage error)."""
    with pytest.raises(LoadspecError):
        LoadSettings.from_options(options(**{name: value}), environ={})
