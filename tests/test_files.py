"""Issue 23: the files a spec names stay in its tree, devices and FIFOs are never read, a run's
report and input paths are checked before the run, and no error quotes a file that is not a
contract. In-process; `tests/load/test_verdicts.py` runs the Locust cases as real processes."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loadspec import CheckOptions, ConfigError, load_spec
from loadspec.cli import main
from loadspec.config.settings import RunSettings
from loadspec.config.table import Command
from loadspec.files import (
    MAX_UPLOAD_BYTES,
    FileRefused,
    SpecFiles,
    check_input,
    check_output,
    read_regular,
)
from loadspec.language.profile import load_profile
from loadspec.locust.preflight import check_outputs
from tests.conftest import ROOT

VARS = CheckOptions(variables=frozenset({"business_id"}))


def spec(folder: Path, *, front: str = "", step: str = "", name: str = "s.md") -> Path:
    """A valid spec in `folder`, with extra front matter keys and main request keys."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(
        f'---\nendpoint: "POST /upload"\n{front}---\n# Upload\n\n## Test Request\n```yaml\n'
        f"steps:\n  - id: main_request\n    method: POST\n    path: /upload\n{step}```\n",
        encoding="utf-8",
    )
    return path


def upload(path: str) -> str:
    return f"    content_type: multipart\n    file_fields:\n      attachment: {path}\n"


def messages(path: Path, options: CheckOptions = VARS) -> list[str]:
    return [f"{p.line}: {p.severity.value}: {p.message}" for p in load_spec(path, options).problems]


# --- the spec tree -------------------------------------------------------------------------


def test_the_tree_is_the_project_above_the_path_named_else_that_folder(tmp_path: Path) -> None:
    """--root wins; else the nearest folder with pyproject.toml or .git; else the folder named
    (a file's folder)."""
    project, loose = tmp_path / "project", tmp_path / "loose"
    (project / "specs" / "deep").mkdir(parents=True)
    (project / ".git").mkdir()
    (loose / "specs").mkdir(parents=True)
    real = SpecFiles.of
    assert real([project / "specs" / "deep"]).trees == (project.resolve(),)
    assert real([loose / "specs"]).trees == ((loose / "specs").resolve(),)
    assert real([loose / "specs" / "a.md"]).trees == ((loose / "specs").resolve(),)
    assert real([loose / "specs"], root=loose).trees == (loose.resolve(),)
    assert real([loose], allowed=[project]).allowed == (project.resolve(),)


def test_swagger_beside_the_specs_of_a_project_still_resolves(tmp_path: Path) -> None:
    """The usual layout, specs/ and swagger/ side by side in a project, needs no --root."""
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "swagger").mkdir()
    contract = {"swagger": "2.0", "paths": {"/upload": {"post": {}}}}
    (tmp_path / "swagger" / "c.json").write_text(json.dumps(contract), encoding="utf-8")
    path = spec(tmp_path / "specs", front="swagger: swagger/c.json\n")
    assert messages(path) == []


def test_allow_path_lets_a_spec_name_a_file_elsewhere(tmp_path: Path) -> None:
    """A file outside the tree is refused until --allow-path names it (or a folder above it)."""
    elsewhere = tmp_path / "shared" / "rows.csv"
    elsewhere.parent.mkdir()
    elsewhere.write_text("email\na@example.com\n", encoding="utf-8")
    path = spec(tmp_path / "specs", front=f"data: {{file: {elsewhere}}}\n")
    (refused,) = messages(path)
    assert refused.startswith(f"3: error: data file '{elsewhere}' is not read: ")
    assert "is outside the spec tree (" in refused and "--allow-path PATH allows it" in refused
    allowed = CheckOptions(files=SpecFiles.of([path], allowed=[elsewhere.parent]))
    assert messages(path, allowed) == []


# --- devices, FIFOs, /proc, sizes ----------------------------------------------------------


def test_a_fifo_in_the_tree_is_refused_by_every_key(tmp_path: Path) -> None:
    """A FIFO inside the tree is never opened (it would block the reader for ever)."""
    folder = tmp_path / "specs"
    folder.mkdir()
    os.mkfifo(folder / "pipe")
    for front, step, where in [
        ("swagger: pipe\n", "", "3: error: swagger file 'pipe' is not read: "),
        ("data: {file: pipe}\n", "", "3: error: data file 'pipe' is not read: "),
        ("", upload("pipe"), "14: error: file_fields file 'pipe' cannot be sent: "),
    ]:
        started = time.monotonic()
        (refused,) = messages(spec(folder, front=front, step=step))
        assert refused.startswith(where), refused
        assert refused.endswith("pipe is a FIFO, not a regular file")
        assert time.monotonic() - started < 5


def test_a_device_is_refused_even_where_allowed(tmp_path: Path) -> None:
    """--allow-path /dev does not make /dev/zero a file: devices are never read."""
    path = spec(tmp_path, step=upload("/dev/zero"))
    allowed = CheckOptions(files=SpecFiles.of([path], allowed=[Path("/dev")]))
    assert messages(path, allowed) == [
        "14: error: file_fields file '/dev/zero' cannot be sent: /dev/zero is a character "
        "device, not a regular file"
    ]


def test_proc_self_environ_is_refused_by_a_spec(tmp_path: Path) -> None:
    """The file a hostile spec posted through file_fields (issue 23) no longer validates."""
    (refused,) = messages(spec(tmp_path, step=upload("/proc/self/environ")))
    assert refused.startswith("14: error: file_fields file '/proc/self/environ' cannot be sent: ")
    assert "environ is outside the spec tree" in refused


def test_a_file_fields_file_over_the_cap_is_refused(tmp_path: Path) -> None:
    """A file_fields file is read whole for every request: more than the cap is an error."""
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)  # sparse: no disk used
    (refused,) = messages(spec(tmp_path, step=upload("big.bin")))
    assert refused.endswith("it holds more than 32 MiB, the most file_fields sends")


def test_a_file_fields_file_that_is_missing_fails_only_when_sent(tmp_path: Path) -> None:
    """As before (the authors' corpus has one): a missing file is the step's failure at run
    time, not a validation error."""
    assert messages(spec(tmp_path, step=upload("sample.pdf"))) == []


def test_read_regular_refuses_before_reading_and_caps_what_it_reads(tmp_path: Path) -> None:
    """Devices and FIFOs are refused at once; /proc files, which claim 0 bytes, are capped on
    what is read."""
    os.mkfifo(tmp_path / "pipe")
    for path, why in [
        (Path("/dev/zero"), "is a character device, not a regular file"),
        (tmp_path / "pipe", "is a FIFO, not a regular file"),
        (tmp_path, "is a folder, not a regular file"),
        (tmp_path / "nope", "cannot be read (No such file or directory)"),
        (Path("/proc/self/environ"), "holds more than 4 bytes"),
    ]:
        with pytest.raises(FileRefused, match=f"^{re.escape(why)}$"):
            read_regular(path, cap=4)
    (tmp_path / "ok").write_bytes(b"four")
    assert read_regular(tmp_path / "ok", cap=4) == b"four"


# --- no error quotes a file that is not a contract -------------------------------------------


def test_a_file_named_as_a_contract_is_never_quoted(tmp_path: Path) -> None:
    """`swagger:` once listed a file's top-level keys: a secrets file's names and values stay
    out of every message, whether it parses or not."""
    (tmp_path / "secrets.json").write_text('{"AKIA_SECRET_NAME": "hunter2"}', encoding="utf-8")
    (tmp_path / "secrets.yaml").write_text("key: *AKIA_SECRET_ALIAS\n", encoding="utf-8")
    for name in ("secrets.json", "secrets.yaml"):
        (problem,) = messages(spec(tmp_path, front=f"swagger: {name}\n"))
        assert "error:" in problem
        assert "AKIA" not in problem and "hunter2" not in problem, problem


# --- the command line ------------------------------------------------------------------------


def test_validate_reports_file_line_and_allow_path_widens(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process: `validate` prints PATH:LINE: error: and exits 1; --allow-path lets it be."""
    outside = tmp_path / "outside.csv"
    outside.write_text("email\na@example.com\n", encoding="utf-8")
    path = spec(tmp_path / "specs", front=f"data: {{file: {outside}}}\n")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{path}:3: error: data file '{outside}' is not read: ")
    assert main(["validate", str(path), "--allow-path", str(outside)]) == 0
    assert main(["validate", str(path), "--allow-path", str(tmp_path / "nope")]) == 2
    assert "--allow-path" in capsys.readouterr().err


@pytest.mark.slow
def test_validate_as_a_real_process_refuses_a_spec_naming_etc_passwd(tmp_path: Path) -> None:
    """Real process: the line, exit 1, nothing of the file shown."""
    path = spec(tmp_path, front="swagger: /etc/passwd\n")
    done = subprocess.run(
        [sys.executable, "-m", "loadspec", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"{path}:3: error: swagger file '/etc/passwd' is not read: ")
    assert "root:" not in done.stdout + done.stderr


# --- a run's report and input paths ----------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "why"),
    [
        ("folder", "is a folder, not a file it can write"),
        ("/dev/full", "is a character device, not a file it can write"),
        ("file/child.xml", r"cannot be written \(Not a directory\)"),
        ("/sys/loadspec.xml", "the folder /sys cannot be written in"),
    ],
)
def test_an_output_that_cannot_be_written_is_refused(tmp_path: Path, where: str, why: str) -> None:
    """A folder, a device, a path under a file, a folder no one may write in: refused."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=why):
        check_output(tmp_path / where, "--junit")
    check_output(tmp_path / "new" / "deeper" / "junit.xml", "--junit")  # folders are made
    assert not (tmp_path / "new").exists()  # and nothing is left behind by the check


def test_an_input_must_be_a_regular_file(tmp_path: Path) -> None:
    """--baseline /dev/zero or a folder is refused (reading them never ends or fails late)."""
    for path, why in [(Path("/dev/zero"), "is a character device"), (tmp_path, "is a folder")]:
        with pytest.raises(ConfigError, match=f"--baseline {path}: {why}, not a regular file"):
            check_input(path, "--baseline")


def test_a_load_profile_that_is_a_device_is_refused_at_once(tmp_path: Path) -> None:
    """`--load-profile /dev/zero` hung; a FIFO would too; a huge file is not a profile."""
    os.mkfifo(tmp_path / "pipe")
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(2**20 + 1)
    for path, why in [
        (Path("/dev/zero"), "is a character device, not a regular file"),
        (tmp_path / "pipe", "is a FIFO, not a regular file"),
        (big, "holds more than 1 MiB"),
    ]:
        with pytest.raises(ConfigError, match=f"--load-profile {path}: {why}"):
            load_profile(path)


def test_locust_report_options_are_checked_before_the_run(tmp_path: Path) -> None:
    """--html, --csv and --json-file as Locust names them; a worker writes none, checks none."""
    folder = str(tmp_path)
    for field, name, given in [
        ("html_file", "--html", folder),
        ("json_file", "--json-file", f"{folder}/run"),  # Locust writes run.json: a folder
        ("csv_prefix", "--csv", "/dev/full/run"),
    ]:
        (tmp_path / "run.json").mkdir(exist_ok=True)
        options = argparse.Namespace(**{field: given})
        with pytest.raises(ConfigError, match=f"^{name} "):
            check_outputs(options)
        check_outputs(argparse.Namespace(worker=True, **{field: given}))
    check_outputs(argparse.Namespace(html_file=f"{folder}/r.html", csv_prefix=f"{folder}/run"))


def test_fuzz_junit_naming_a_folder_exits_2_before_planning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`loadspec fuzz --junit DIR` wrote nothing after the whole run; now one line, exit 2,
    before a spec is read."""

    def planned(*_: object) -> None:
        raise AssertionError("planned a run whose report cannot be written")

    monkeypatch.setattr("loadspec.cli.fuzz_cmd.plan_fuzz", planned)
    path = spec(tmp_path / "specs")
    assert main(["fuzz", str(path), "--junit", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"loadspec: error: --junit {tmp_path}: is a folder, not a file it can write"


def test_run_settings_check_junit_and_baseline_for_every_run() -> None:
    """The same checks whatever builds the settings: a Locust process or `loadspec fuzz`."""
    for given, why in [
        ({"junit": "/dev/null"}, "--junit /dev/null: is a character device"),
        ({"baseline": "/dev/zero"}, "--baseline /dev/zero: is a character device"),
    ]:
        with pytest.raises(ConfigError, match=why):
            RunSettings.build(Command.LOCUST, argparse.Namespace(**given), specs=(ROOT / "specs",))
