"""How load options merge: pyproject, LOADSPEC_* variables, then the command line."""

from __future__ import annotations

import argparse
import subprocess
import sys
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


def test_a_baseline_never_judges_percentiles_of_a_handful_of_samples() -> None:
    """A wait each user makes once has too few samples: its p95 is shown, never a regression."""
    # In a fresh process: locust patches with gevent on import, too late in pytest's own.
    code = """
from locust.stats import RequestStats
from loadspec.locust.baseline import MIN_SAMPLES, compare

stats = RequestStats()
for _ in range(4):
    stats.log_request("WAIT", "channel_active", 900, 0)
for _ in range(MIN_SAMPLES):
    stats.log_request("POST", "/messages", 900, 0)
row = {"response_times": {"100": 4}, "num_requests": 4, "num_failures": 0}
full = {"response_times": {"100": MIN_SAMPLES}, "num_requests": MIN_SAMPLES, "num_failures": 0}
baseline = {("channel_active", "WAIT"): row, ("/messages", "POST"): full}
for c in compare(baseline, list(stats.entries.values()), 0.2):
    print(f"{c.row}|{c.metric}|{c.sparse}|{c.regressed}|{c}")
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    found = {tuple(line.split("|")[:2]): line.split("|")[2:] for line in done.stdout.splitlines()}
    sparse, regressed, shown = found[("WAIT channel_active", "p95")]
    assert (sparse, regressed) == ("True", "False") and "too few samples" in shown
    assert found[("POST /messages", "p95")][:2] == ["False", "True"]


def test_measured_values_never_read_in_scientific_notation() -> None:
    """A request count of 11630 reads 11630 in the summary, not 1.163e+04."""
    from loadspec.locust.thresholds import Outcome, parse_threshold

    assert Outcome(parse_threshold("requests>100000000"), 11630.0, False).measured == "11630"
    assert Outcome(parse_threshold("p95<300"), 12.345, True).measured == "12.35 ms"
