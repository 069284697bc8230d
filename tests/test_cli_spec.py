"""`loadspec validate` and `loadspec list`, in-process and as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from loadspec.cli import main
from tests.conftest import DATA, ROOT

VALID = str(DATA / "valid")
INVALID = str(DATA / "invalid")


def test_valid_folder_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    """A clean folder prints no problem and exits 0."""
    assert main(["validate", VALID, "--var", "business_id=b1"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "1 file: 1 runnable, 0 skipped, 0 invalid; 0 errors, 0 warnings" in err


def test_every_problem_of_every_file_in_one_pass(capsys: pytest.CaptureFixture[str]) -> None:
    """Every file, each problem on its own PATH:LINE: severity: line; a non-spec gets a note."""
    assert main(["validate", INVALID, "--var", "business_id=b1"]) == 1
    lines = capsys.readouterr().out.splitlines()
    files = {line.split(":", 1)[0] for line in lines}
    assert len(files) == len(list((DATA / "invalid").glob("*.md")))
    for line in lines:
        path, number, severity, _ = line.split(":", 3)
        assert path.endswith(".md") and number.isdigit(), line
        assert severity.strip() in {"error", "warning", "note"}, line
    (empty,) = [line for line in lines if "empty.md" in line]
    assert empty.endswith(":0: note: no front matter: not a spec, skipped")
    assert "Traceback" not in "\n".join(lines)


def test_warnings_alone_pass_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    """A warning exits 0; --strict turns it into an error and exits 1."""
    spec = str(DATA / "invalid" / "template_undefined.md")
    assert main(["validate", spec, "--var", "business_id=b1"]) == 0
    assert "warning:" in capsys.readouterr().out
    assert main(["validate", spec, "--var", "business_id=b1", "--strict"]) == 1
    assert ": error: {{message_seed}}" in capsys.readouterr().out


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json gives one entry per file with its problems."""
    spec = str(DATA / "invalid" / "duplicate_step_id.md")
    assert main(["validate", spec, "--format", "json", "--var", "business_id=b1"]) == 1
    report = json.loads(capsys.readouterr().out)
    (entry,) = report["files"]
    assert entry["valid"] is False
    assert entry["problems"][0]["line"] == 22
    assert entry["problems"][0]["location"] == "$.prerequisites.steps[1].id"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate", "no/such/folder"], "no/such/folder: no such file or folder"),
        (["validate", VALID, "--var", "novalue"], "--var 'novalue' is not NAME=VALUE"),
        (["validate", VALID, "--root", "no/such/root"], "--root no/such/root: no such folder"),
    ],
)
def test_usage_errors_exit_two(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad arguments are a usage error (exit 2) with a one-line message."""
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_unknown_option_exits_two() -> None:
    """argparse's own usage errors exit 2 too."""
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--no-such-option"])
    assert exc.value.code == 2


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loadspec", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_project_specs_validate_clean_as_a_subprocess() -> None:
    """`loadspec validate specs/` in the project exits 0: the README's promise."""
    done = _run("validate", "specs/")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "error:" not in done.stdout
    # business_id comes from [tool.loadspec.vars]; the seed's now_timestamp ids are flagged.
    assert "business_id" not in done.stdout
    assert "now_timestamp repeats within a second" in done.stdout


def test_list_shows_the_seed_skipped_with_its_reason() -> None:
    """`loadspec list specs/` shows the verbatim seed as skipped, with its skipReason."""
    done = _run("list", "specs/")
    assert done.returncode == 0, done.stderr
    (row,) = [
        line
        for line in done.stdout.splitlines()
        if "post_business_communication_messages.md" in line
    ]
    assert "POST /business/communication/messages" in row
    assert " skip " in row and " no " in row
    assert "Requires webhook listener" in row


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    """list --format json has the same columns as the table."""
    assert main(["list", VALID, "--format", "json", "--var", "business_id=b1"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["ENDPOINT"] == "POST /business/communication/messages"
    assert row["RUNS"] == "yes"
    assert row["STEPS"] == "2"


def test_environment_run_variables_count_for_validate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`LOADSPEC_VAR_<NAME>` names a run variable for validate as it does for load runs."""
    spec = str(DATA / "invalid" / "template_undefined.md")
    assert main(["validate", spec, "--var", "business_id=b1"]) == 0
    assert "{{message_seed}}" in capsys.readouterr().out
    monkeypatch.setenv("LOADSPEC_VAR_MESSAGE_SEED", "1")
    assert main(["validate", spec, "--var", "business_id=b1", "--strict"]) == 0
    assert "message_seed" not in capsys.readouterr().out
