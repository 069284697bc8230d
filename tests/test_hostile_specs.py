"""Hostile specs: no mutation of a valid spec crashes `loadspec validate` or hides a file."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadspec.cli import main
from tests.conftest import DATA, ROOT

SEEDS = sorted((ROOT / "specs" / "communication").glob("*.md")) + sorted(
    (DATA / "valid").glob("*.md")
)
# Pieces that broke YAML readers before: explicit tags with bad values, anchors, flow
# syntax, tabs, NULs, fences and templates.
PIECES = [
    "!!int x",
    "!!float x",
    "!!bool x",
    "!!float",
    "!!float ''",
    "!!int",
    "!!str",
    "!!null x",
    "!!binary x",
    "!!timestamp x",
    "!!python/object:os.system",
    "&a",
    "*a",
    "*nope",
    "<<: *a",
    "{",
    "}",
    "[",
    "]",
    ":",
    ": :",
    "- ",
    "-",
    "?",
    "\t",
    "'",
    '"',
    "\x00",
    "\ufeff",
    "%YAML 1.1",
    "---",
    "...",
    "```",
    "```yaml",
    "{{",
    "}}",
    "{{ x }}",
    "#",
    "|",
    ">",
    "\\",
    "\r",
    "\u2028",
    "steps:",
    "- id: x",
    "expect: {status: [",
    "wait:",
    "poll:",
    "extract: {a: '$[?('}",
]
SUMMARY = re.compile(r"^\d+ files?: ")
PROBLEM = re.compile(r"^.+\.md:\d+: (error|warning|note): \S")


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid spec's text with a few lines mutated: inserted, cut, duplicated or replaced."""
    lines = draw(st.sampled_from(SEEDS)).read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = lines[at] if lines else ""
        piece = draw(st.sampled_from(PIECES) | st.text(max_size=12))
        cut = draw(st.integers(0, len(line)))
        action = draw(st.sampled_from(("insert", "replace", "cut", "duplicate", "delete")))
        if action == "insert":
            lines[at:at] = [line[:cut] + piece + line[cut:]]
            del lines[at + 1]
        elif action == "replace":
            lines[at] = line.split(":", 1)[0] + ": " + piece if ":" in line else piece
        elif action == "cut":
            lines[at] = line[:cut]
        elif action == "duplicate":
            lines.insert(at, line)
        elif lines:
            del lines[at]
    return "\n".join(lines) + draw(st.sampled_from(("\n", "")))


@pytest.fixture(scope="module")
def batch() -> Iterator[Path]:
    """A folder with the spec under test (rewritten per example) and a valid neighbour."""
    folder = Path(tempfile.mkdtemp(prefix="loadspec-hostile-"))
    shutil.copytree(ROOT / "swagger", folder / "swagger")
    (folder / "specs").mkdir()
    shutil.copy(DATA / "valid" / SEEDS[-1].name, folder / "specs" / "zz_valid.md")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=mutated())
@pytest.mark.slow
def test_no_mutation_crashes_validate_or_hides_a_file(
    text: str, batch: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Never a traceback; every line is `file:line: ...` or the summary; both files checked."""
    (batch / "specs" / "aa_mutated.md").write_text(text, encoding="utf-8", errors="surrogatepass")
    code = main(["validate", str(batch / "specs"), "--root", str(batch), "--var", "business_id=b1"])
    out, err = capsys.readouterr()
    assert code in (0, 1), (code, out, err)
    assert "Traceback" not in out + err
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert lines and SUMMARY.match(lines[-1]), lines[-3:]
    assert lines[-1].startswith("2 files: "), lines[-1]
    stray = [line for line in lines[:-1] if not PROBLEM.match(line)]
    assert not stray, stray
    assert not any("zz_valid.md" in line and ": error:" in line for line in lines)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!!int x", "'x' is not a valid !!int value"),
        ("!!float x", "'x' is not a valid !!float value"),
        ("!!bool x", "'x' is not a valid !!bool value"),
        ("!!float", "'' is not a valid !!float value"),
    ],
)
def test_explicit_tags_with_bad_values_are_errors_on_their_line(
    value: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`weight: !!int x` used to crash the whole batch; now it is one error on its line."""
    text = (
        SEEDS[0].read_text(encoding="utf-8").replace("\nstatus:", f"\nweight: {value}\nstatus:", 1)
    )
    spec = tmp_path / "tagged.md"
    spec.write_text(text, encoding="utf-8")
    other = ROOT / "specs" / "communication" / "get_platform_v1_clients.md"
    assert (
        main(["validate", str(spec), str(other), "--root", str(ROOT), "--var", "business_id=b"])
        == 1
    )
    out, err = capsys.readouterr()
    line = text.splitlines().index(f"weight: {value}") + 1
    assert f"{spec}:{line}: error: {message}" in out + err
    assert "2 files: 1 runnable" in out + err
