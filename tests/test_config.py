"""The one options table: every command reads it, `[tool.loadspec]` is checked against it."""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from loadspec.config.docs import rewrite
from loadspec.config.options import OPTIONS
from loadspec.config.project import Project, find_project, project_from_text
from loadspec.config.register import add_options, option_values
from loadspec.config.settings import RunSettings
from loadspec.config.table import Command, Kind
from loadspec.errors import ConfigError, LoadspecError
from tests.conftest import ROOT

PYPROJECT = Path("/project/pyproject.toml")


def parsed(command: Command, *argv: str) -> argparse.Namespace:
    """The options of `command` parsed from `argv`, as `loadspec COMMAND` parses them."""
    parser = argparse.ArgumentParser()
    add_options(parser, command)
    return parser.parse_args(list(argv))


def build(command: Command, *argv: str, project: Project | None = None, **env: str) -> RunSettings:
    return RunSettings.build(
        command, parsed(command, *argv), project=project or Project(), environ=env
    )


def test_each_command_names_each_option_once() -> None:
    """Within one command, no two options share a flag, a field or a variable."""
    for command in Command:
        taken = [o for o in OPTIONS if o.takes(command)]
        for attribute in ("name", "dest", "env"):
            seen = Counter(getattr(o, attribute) for o in taken if getattr(o, attribute))
            assert [k for k, n in seen.items() if n > 1] == [], (command, attribute)


def test_variables_follow_one_rule() -> None:
    """LOADSPEC_ + (STUB_ for the gateway's) + NAME, with an S for a repeatable option."""
    by_name = {o.name: o.env for o in OPTIONS if o.takes(Command.LOCUST) or o.takes(Command.FUZZ)}
    assert by_name["--think-time"] == "LOADSPEC_THINK_TIME"
    assert by_name["--allow-host"] == "LOADSPEC_ALLOW_HOSTS"
    assert by_name["--threshold"] == "LOADSPEC_THRESHOLDS"
    assert by_name["--specs"] == "LOADSPEC_SPECS"
    stub = {o.name: o.env for o in OPTIONS if o.takes(Command.STUB)}
    assert stub["--token"] == "LOADSPEC_STUB_TOKENS"
    assert stub["--webhook-secret"] == "LOADSPEC_STUB_WEBHOOK_SECRET"


def test_the_web_ui_shows_only_what_takes_effect_at_a_start_and_no_secret() -> None:
    """Import-time options (--specs, the listener) and secrets are never on the start form."""
    shown = {o.name for o in OPTIONS if o.web_ui}
    assert {"--threshold", "--validate-responses", "--think-time", "--iterations"} <= shown
    assert not shown & {"--specs", "--allow-host", "--webhook-listen", "--load-profile"}
    assert not any(o.secret and o.web_ui for o in OPTIONS)


def test_command_line_then_environment_then_project_then_default() -> None:
    """Each source wins over the ones after it; a repeatable option adds them all up."""
    project = project_from_text(
        '[tool.loadspec]\nrequest-timeout = 20\nallow-host = ["a.example"]\n', PYPROJECT
    )
    assert build(Command.FUZZ).request_timeout == 30.0
    assert build(Command.FUZZ, project=project).request_timeout == 20.0
    env = {"LOADSPEC_REQUEST_TIMEOUT": "15", "LOADSPEC_ALLOW_HOSTS": "b.example,c.example"}
    assert build(Command.FUZZ, project=project, **env).request_timeout == 15.0
    given = build(
        Command.FUZZ, "--request-timeout", "5", "--allow-host", "d.example", project=project, **env
    )
    assert given.request_timeout == 5.0
    assert given.allowed.patterns == ("a.example", "b.example", "c.example", "d.example")


def test_variables_merge_in_order() -> None:
    """[tool.loadspec.vars] < LOADSPEC_VAR_<NAME> (lower-cased) < --var; the file's numbers
    stay numbers (a lone placeholder sends one), the command line's values are text."""
    project = project_from_text(
        "[tool.loadspec.vars]\nbusiness_id = 'p'\nregion = 'p'\npet_id = 1000\n", PYPROJECT
    )
    env = {"LOADSPEC_VAR_BUSINESS_ID": "from-env", "LOADSPEC_VAR_REGION": "eu"}
    settings = build(Command.VALIDATE, "--var", "region=us", project=project, **env)
    assert settings.variables == {"business_id": "from-env", "region": "us", "pet_id": 1000}


def test_a_locust_run_parses_specs_rates_thresholds_and_paths() -> None:
    """Comma-separated specs, a percentage rate, thresholds, a JUnit path."""
    given = argparse.Namespace(
        specs="a.md, b/ ,", validate_responses="5%", threshold=["p95<300"], junit="out/j.xml"
    )
    settings = RunSettings.build(Command.LOCUST, given, project=Project(), environ={})
    assert settings.specs == (Path("a.md"), Path("b"))
    assert settings.validate_responses == 0.05
    assert [t.metric for t in settings.thresholds] == ["p95"]
    assert settings.junit == Path("out/j.xml")
    mine = RunSettings.build(
        Command.LOCUST, given, project=Project(), environ={}, specs=(Path("mine"),)
    )
    assert mine.specs == (Path("mine"),)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--validate-responses", "lots"), "--validate-responses 'lots' is not a number"),
        (("--var", "novalue"), "is not NAME=VALUE"),
        (("--threshold", "p95 fast"), "is not [ROW:]METRIC<VALUE"),
        (("--think-time", "1x"), "is not a duration"),
        (("--iterations", "0"), "must be a whole number >= 1"),
        (("--think-time", "1s", "--pacing", "2s"), "give one of --think-time"),
        (("--max-regression", "20%"), "needs --baseline"),
        (("--webhook-listen", "nowhere"), "is not HOST:PORT"),
        (("--webhook-signature", "md5"), "expected one of jwt, hmac-sha256, none"),
    ],
)
def test_bad_values_are_one_clear_error(argv: tuple[str, ...], message: str) -> None:
    """A bad value is a ConfigError naming the option (the locustfile exits 2 with it)."""
    namespace = argparse.Namespace(specs="a.md", **_pairs(argv))
    with pytest.raises(LoadspecError, match=re.escape(message)):
        RunSettings.build(Command.LOCUST, namespace, project=Project(), environ={})


def _pairs(argv: tuple[str, ...]) -> dict[str, object]:
    repeat = {o.dest for o in OPTIONS if o.kind is Kind.REPEAT}
    pairs = dict(zip(argv[::2], argv[1::2], strict=True))
    found = {name[2:].replace("-", "_"): value for name, value in pairs.items()}
    return {k: [v] if k in repeat else v for k, v in found.items()}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[tool.loadspec]\ndeclar = ["x"]\n', "unknown key 'declar': did you mean 'declare'?"),
        ('[tool.loadspec]\nspces = ["x"]\n', "unknown key 'spces': did you mean 'specs'?"),
        ('[tool.loadspec]\nalow-host = ["x"]\n', "did you mean 'allow-host'?"),
        ("[tool.loadspec.var]\nx = 1\n", "unknown key 'var': did you mean 'vars'?"),
        ("[tool.loadspec.stub]\nerror-rat = 0.1\n", "did you mean 'error-rate'?"),
        ("tool = 5\n", "'tool' must be a table"),
        ("[tool]\nloadspec = 5\n", "[tool.loadspec] must be a table, found an integer"),
        ("[tool.loadspec.vars]\nbusiness_id = true\n", "business_id must be a string or a"),
        ("[tool.loadspec.vars]\nids = ['a', 'b']\n", "ids must be a string or a number"),
        ("[tool.loadspec]\ninclude-skipped = 'yes'\n", "must be true or false"),
        ("[tool.loadspec]\nthink-time = 1\n", "think-time '1' is not a duration"),
        ('[tool.loadspec]\ndeclare = "x"\n', "declare must be a list of names"),
        ("[tool.loadspec]\nprofile = 3\n", "must be a table with stages"),
        ("[tool.loadspec\n", "not valid TOML"),
    ],
)
def test_a_project_typo_or_wrong_type_is_named_with_its_file(text: str, message: str) -> None:
    """Every key is known and every value typed: the error names the file and the key."""
    with pytest.raises(ConfigError, match=re.escape(message)) as caught:
        project_from_text(text, PYPROJECT)
    assert str(caught.value).startswith(str(PYPROJECT))


def test_the_project_holding_the_specs_is_read(tmp_path: Path) -> None:
    """The nearest [tool.loadspec] above the specs first, then above the current folder."""
    (tmp_path / "team" / "specs").mkdir(parents=True)
    (tmp_path / "team" / "pyproject.toml").write_text("[tool.loadspec.vars]\nteam = 'yes'\n")
    (tmp_path / "plain" / "specs").mkdir(parents=True)
    (tmp_path / "plain" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    found = find_project(tmp_path / "team" / "specs", ROOT)
    assert found.path == tmp_path / "team" / "pyproject.toml"
    assert found.elsewhere() == f"loadspec: settings from {found.path} [tool.loadspec]"
    assert find_project(tmp_path / "plain" / "specs", ROOT).path == ROOT / "pyproject.toml"


def test_a_repeatable_option_from_the_environment_is_split_on_commas() -> None:
    """LOADSPEC_THRESHOLDS holds several thresholds, like LOADSPEC_ALLOW_HOSTS."""
    values = option_values(
        argparse.Namespace(), Command.LOCUST, {}, {"LOADSPEC_THRESHOLDS": "p95<300, fail_rate<1%"}
    )
    assert [t.text for t in values["threshold"]] == ["p95<300", "fail_rate<1%"]


def test_a_typo_in_the_project_stops_validate_with_exit_2(tmp_path: Path) -> None:
    """As a user runs it: `loadspec validate` in a folder whose pyproject has `declar`."""
    (tmp_path / "specs").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.loadspec]\ndeclar = ["x"]\n')
    done = subprocess.run(
        [sys.executable, "-m", "loadspec", "validate"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"loadspec: error: {tmp_path / 'pyproject.toml'}: [tool.loadspec] unknown key "
        "'declar': did you mean 'declare'?"
    )


def test_the_readme_tables_are_written_from_the_table() -> None:
    """README.md's option tables are what `python -m loadspec.config.docs` writes."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count("<!-- options: locust") == 2
    assert rewrite(text) == text, "run: python -m loadspec.config.docs README.md"


# Every option and variable a Locust run took before the table, as README.md listed them.
EARLIER = {
    "--specs": "LOADSPEC_SPECS",
    "--root": "LOADSPEC_ROOT",
    "--include-skipped": "LOADSPEC_INCLUDE_SKIPPED",
    "--fallback-host": "LOADSPEC_FALLBACK_HOST",
    "--request-timeout": "LOADSPEC_REQUEST_TIMEOUT",
    "--validate-responses": "LOADSPEC_VALIDATE_RESPONSES",
    "--junit": "LOADSPEC_JUNIT",
    "--baseline": "LOADSPEC_BASELINE",
    "--max-regression": "LOADSPEC_MAX_REGRESSION",
    "--allow-invalid": "LOADSPEC_ALLOW_INVALID",
    "--allow-host": "LOADSPEC_ALLOW_HOSTS",
    "--webhook-max-age": "LOADSPEC_WEBHOOK_MAX_AGE",
    "--webhook-replay-window": "LOADSPEC_WEBHOOK_REPLAY_WINDOW",
    "--webhook-max-pending": "LOADSPEC_WEBHOOK_MAX_PENDING",
    "--webhook-max-rate": "LOADSPEC_WEBHOOK_MAX_RATE",
    "--webhook-max-share": "LOADSPEC_WEBHOOK_MAX_SHARE",
    "--webhook-listen": "LOADSPEC_WEBHOOK_LISTEN",
    "--webhook-url": "LOADSPEC_WEBHOOK_URL",
    "--webhook-signature": "LOADSPEC_WEBHOOK_SIGNATURE",
    "--webhook-signature-header": "LOADSPEC_WEBHOOK_SIGNATURE_HEADER",
    "--api-validation-config": "LOADSPEC_API_VALIDATION_CONFIG",
    "--think-time": "LOADSPEC_THINK_TIME",
    "--pacing": "LOADSPEC_PACING",
    "--user-rate": "LOADSPEC_USER_RATE",
    "--iterations": "LOADSPEC_ITERATIONS",
    "--arrival-rate": "LOADSPEC_ARRIVAL_RATE",
    "--max-users": "LOADSPEC_MAX_USERS",
    "--load-profile": "LOADSPEC_LOAD_PROFILE",
    "--var": "LOADSPEC_VAR_<NAME>",
    "--threshold": "LOADSPEC_THRESHOLDS",
    "--ref-base": "LOADSPEC_REF_BASES",
}


def test_every_earlier_option_keeps_its_name_and_variable() -> None:
    """Nothing a user's scripts or locust.conf name went away in the move to the table."""
    locust = {o.name: o.env for o in OPTIONS if o.takes(Command.LOCUST)}
    assert {name: locust.get(name) for name in EARLIER} == EARLIER
    stub = {o.name for o in OPTIONS if o.takes(Command.STUB)}
    assert {"--port", "--token", "--latency", "--callback-reorder-rate", "--seed"} <= stub


@pytest.mark.slow
def test_a_typo_in_the_project_stops_a_locust_run_before_any_request(tmp_path: Path) -> None:
    """The same for a Locust run: exit 2 while the locustfile imports, nothing sent."""
    (tmp_path / "pyproject.toml").write_text('[tool.loadspec]\ndeclar = ["x"]\n')
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    locustfile = str(ROOT / "locustfiles" / "specs.py")
    run = ["--specs", "specs/communication", "--headless", "-u", "1", "-t", "5s"]
    done = subprocess.run(
        [sys.executable, "-m", "locust", "-f", locustfile, *run, "--csv", str(tmp_path / "run")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "[tool.loadspec] unknown key 'declar': did you mean 'declare'?" in done.stderr
    assert not (tmp_path / "run_stats.csv").exists()
