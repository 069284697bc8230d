"""Specs read as the source system's own tool reads them (vcita/developers-hub api-validation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadspec import CheckOptions, load_spec, load_specs
from loadspec.cli import main
from loadspec.language import SpecVerdict, load_text, model

NO_CONTRACT = CheckOptions(contracts=False)


def spec(
    steps: str,
    *,
    front: str = "",
    prerequisites: str = "",
    summary: str = "",
    endpoint: str = "GET /items",
) -> str:
    """A spec (of `GET /items` unless told) whose Test Request holds `steps`."""
    pre = f"## Prerequisites\n```yaml\nsteps:\n{prerequisites}```\n" if prerequisites else ""
    return (
        f'---\nendpoint: "{endpoint}"\n{front}---\n# Items\n## Summary\n{summary}\n{pre}'
        f"## Test Request\n```yaml\nsteps:\n{steps}```\n"
    )


MAIN = "  - id: main_request\n    method: GET\n    path: /items\n"


def problems(text: str, options: CheckOptions = NO_CONTRACT) -> list[tuple[str, str]]:
    result = load_text(text, Path("inline.md"), options)
    return [(p.severity.value, p.message) for p in result.problems]


def test_configuration_names_are_neither_typos_nor_undefined() -> None:
    """business_uid next to a given business_id, staff_uid next to an extracted staff_id."""
    pre = '  - id: me\n    method: GET\n    path: /me\n    extract: {staff_id: "$.data.id"}\n'
    test = (
        "  - id: main_request\n    method: GET\n    path: /items\n"
        '    params: {b: "{{business_uid}}", s: "{{staff_uid}}", c: "{{client_uid}}"}\n'
    )
    given = CheckOptions(variables=frozenset({"business_id"}), contracts=False)
    result = load_text(spec(test, prerequisites=pre), Path("inline.md"), given)
    assert result.problems == ()
    assert result.needs == {"business_uid", "staff_uid", "client_uid"}


def test_source_builtins_are_known_names() -> None:
    """{{timestamp}} and the other built-ins of the source system are no typos."""
    names = ("timestamp", "current_date", "future_datetime", "random_firstname", "random_url")
    params = ", ".join(f'{n}: "{{{{{n}}}}}"' for n in names)
    test = f"  - id: main_request\n    method: GET\n    path: /items\n    params: {{{params}}}\n"
    assert problems(spec(test)) == []


def test_a_name_extracted_later_is_not_a_typo() -> None:
    """Used before the step that extracts it: a warning saying so, never 'did you mean'."""
    pre = (
        '  - id: first\n    method: GET\n    path: "/a/{{item_uid}}"\n'
        "  - id: second\n    method: GET\n    path: /b\n"
        '    extract: {item_uid: "$.uid"}\n'
    )
    (found,) = problems(spec(MAIN, prerequisites=pre))
    assert found == (
        "warning",
        "{{item_uid}} is used before any step that runs extracts it: move the extracting "
        "step first, or give it as a run variable",
    )


def test_a_true_typo_is_still_an_error() -> None:
    """A name near a known one, and defined nowhere, is a typo."""
    test = MAIN + '    params: {b: "{{busines_uid}}"}\n'
    assert problems(spec(test)) == [
        ("error", "unknown template name 'busines_uid': did you mean 'business_uid'?")
    ]


def test_x_on_behalf_of_true_sends_the_business_uid() -> None:
    """The source system's `x_on_behalf_of: true` means the configured business uid."""
    test = MAIN + "    token: directory\n    x_on_behalf_of: true\n"
    result = load_text(spec(test), Path("inline.md"), NO_CONTRACT)
    assert result.ok and result.problems == ()
    (step,) = result.unwrap().test_request
    assert step.x_on_behalf_of == "{{business_uid}}"
    assert result.needs == {"business_uid"}


def test_x_on_behalf_of_true_needs_a_directory_token() -> None:
    """As in the source system, only a directory token sends it; otherwise a warning."""
    result = load_text(spec(MAIN + "    x_on_behalf_of: true\n"), Path("i.md"), NO_CONTRACT)
    assert result.ok
    assert result.unwrap().test_request[0].x_on_behalf_of is None
    (warning,) = result.warnings
    assert warning.message.startswith("x_on_behalf_of: true sends X-On-Behalf-Of only with")


def test_step_ids_may_repeat_across_sections() -> None:
    """The source system uses ids only in logs: main_request in both sections is fine."""
    assert problems(spec(MAIN, prerequisites=MAIN)) == []


def test_only_the_first_test_request_step_runs_by_default() -> None:
    """As the source system runs it; the other steps are kept, not run, with a warning."""
    second = "  - id: also\n    method: POST\n    path: /other\n"
    result = load_text(spec(MAIN + second), Path("inline.md"), NO_CONTRACT)
    parsed = result.unwrap()
    assert parsed.test_request_steps is model.TestRequestSteps.FIRST
    assert [s.id for s in parsed.test_request] == ["main_request"]
    assert [s.id for s in parsed.unrun] == ["also"]
    assert parsed.main_request is parsed.test_request[0]
    (warning,) = result.warnings
    assert warning.line == 13 and "only the Test Request's first step runs" in warning.message


def test_test_request_steps_all_runs_the_chain() -> None:
    """Ours: `testRequestSteps: all` runs every step; the last request is the main one."""
    first = "  - id: lookup\n    method: POST\n    path: /other\n"
    text = spec(first + MAIN, front="testRequestSteps: all\n")
    parsed = load_text(text, Path("inline.md"), NO_CONTRACT).unwrap()
    assert [s.id for s in parsed.test_request] == ["lookup", "main_request"]
    assert parsed.unrun == ()
    assert parsed.main_request is not None and parsed.main_request.id == "main_request"


@pytest.mark.parametrize(
    ("front", "summary", "reason"),
    [
        ('skipReason: "front"\nskip_reason: "second"\n', "User-approved skip: third", "front"),
        ('skip_reason: "second"\n', "User-approved skip: third", "second"),
        ('expectedOutcomeReason: "fourth"\n', "User-approved skip: third", "third"),
        ('expectedOutcomeReason: "fourth"\n', "Nothing approved here.", "fourth"),
    ],
)
def test_skip_reasons_from_every_place_the_authors_write_them(
    front: str, summary: str, reason: str
) -> None:
    """skipReason, skip_reason, a 'User-approved skip:' Summary line, expectedOutcomeReason."""
    text = spec(MAIN, front=f"status: skip\n{front}", summary=summary)
    result = load_text(text, Path("inline.md"), NO_CONTRACT)
    assert result.unwrap().skip_reason == reason
    assert result.problems == ()


def test_a_skipped_spec_with_problems_keeps_its_reason() -> None:
    """Its verdict is 'skipped, with problems', not 'invalid'."""
    bad = "  - id: main_request\n    method: GET\n    path: /items\n    onFail: abrot\n"
    text = spec(bad, front="status: skip\n", summary="User-approved skip: not ready")
    result = load_text(text, Path("inline.md"), NO_CONTRACT)
    assert result.verdict is SpecVerdict.SKIPPED_WITH_PROBLEMS
    assert result.spec is not None and result.spec.skip_reason == "not ready"


def test_a_missing_contract_file_is_a_warning(tmp_path: Path) -> None:
    """The spec still runs; fuzzing and contract checks leave it out."""
    path = tmp_path / "s.md"
    path.write_text(spec(MAIN, front="swagger: swagger/nowhere.json\n"))
    result = load_spec(path, CheckOptions())
    assert result.ok and result.verdict is SpecVerdict.RUNNABLE
    (warning,) = result.warnings
    assert "fuzzing and contract checks leave it out" in warning.message


def test_files_without_front_matter_in_a_folder_are_no_specs(tmp_path: Path) -> None:
    """README.md and TEMPLATE.md are skipped with a note; named on their own, an error."""
    (tmp_path / "README.md").write_text("# Workflows\n\nHow these files are written.\n")
    (tmp_path / "TEMPLATE.md").write_text(spec(MAIN))
    (tmp_path / "get_items.md").write_text(spec(MAIN))
    verdicts = {r.path.name: r.verdict for r in load_specs([tmp_path], NO_CONTRACT)}
    assert verdicts == {
        "README.md": SpecVerdict.NOT_A_SPEC,
        "TEMPLATE.md": SpecVerdict.NOT_A_SPEC,
        "get_items.md": SpecVerdict.RUNNABLE,
    }
    (named,) = load_specs([tmp_path / "README.md"], NO_CONTRACT)
    assert named.verdict is SpecVerdict.INVALID
    assert named.errors[0].message.startswith("no front matter")


def test_two_specs_of_one_operation_with_different_statuses(tmp_path: Path) -> None:
    """Each gets a warning naming the other: the source system keeps one per endpoint."""
    (tmp_path / "a.md").write_text(spec(MAIN))
    (tmp_path / "b.md").write_text(spec(MAIN, front='status: skip\nskipReason: "old"\n'))
    a, b = load_specs([tmp_path], NO_CONTRACT)
    assert [p.message for p in a.warnings] == [
        f"GET /items is also named by {tmp_path / 'b.md'} (status skip), which does not run "
        "by default, while this spec (status verified) runs; the source system keeps one "
        "spec per endpoint"
    ]
    assert str(tmp_path / "a.md") in b.warnings[0].message


def test_validate_groups_repeated_warnings_and_sums_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Five files with one warning each: one line with a count; --verbose shows all five."""
    undefined = MAIN + '    params: {t: "{{thing}}"}\n'
    for index in range(5):
        text = spec(undefined.replace("/items", f"/i{index}"), endpoint=f"GET /i{index}")
        (tmp_path / f"s{index}.md").write_text(text)
    (tmp_path / "README.md").write_text("not a spec\n")
    assert main(["validate", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].endswith(":0: note: no front matter: not a spec, skipped")
    assert lines[1].endswith("(and 4 more like it in 5 files; --verbose shows each)")
    assert "6 files: 5 runnable, 0 skipped, 0 invalid, 1 not a spec; 0 errors, 5 warnings" in err
    assert main(["validate", str(tmp_path), "--verbose"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 6


def test_list_shows_a_skipped_spec_with_problems(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its status says 'with problems' and its reason stays in view."""
    bad = "  - id: main_request\n    method: GET\n    path: /items\n    onFail: abrot\n"
    (tmp_path / "s.md").write_text(spec(bad, front='status: skip\nskipReason: "not ready"\n'))
    assert main(["list", str(tmp_path)]) == 0
    (row,) = capsys.readouterr().out.splitlines()[1:]
    assert "skip, with problems" in row
    assert row.endswith("not ready (1 error: run loadspec validate)")
