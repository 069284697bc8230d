"""Which specs a check runs, and why each other one does not: no request is sent here."""

from __future__ import annotations

from pathlib import Path

from loadspec.check.outcome import Reason, Status
from loadspec.check.plan import CheckPlan, Selection, plan_check
from loadspec.language import CheckOptions, load_specs
from loadspec.language.model import Spec
from tests.check.specs import write_spec


def plan(
    paths: list[Path],
    selection: Selection | None = None,
    variables: dict[str, str] | None = None,
    credential: str | None = None,
):
    results = load_specs(paths, CheckOptions(contracts=False))
    missing = (lambda spec: credential) if credential else None
    return plan_check(results, selection or Selection(), variables or {}, missing)


def verdicts(checked: CheckPlan) -> dict[str, tuple[Status, Reason | None] | None]:
    return {
        Path(p.result.path).name: (p.verdict.status, p.verdict.reason) if p.verdict else None
        for p in checked.specs
    }


def test_skips_have_their_reasons_and_selected_specs_run(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    write_spec(root / "pets", "ok")
    write_spec(root / "pets", "skipped", status="skip", front="skipReason: flaky upstream")
    write_spec(root / "pets", "old", status="deprecated")
    write_spec(root / "pets", "remove", method="DELETE", path="/items/1")
    write_spec(root / "pets", "needs_var", path="/items/{{item_uid}}")
    (root / "pets" / "broken.md").write_text("---\nendpoint: GET\n---\n", encoding="utf-8")
    checked = plan([root])
    assert verdicts(checked) == {
        "broken.md": (Status.FAIL, Reason.INVALID_SPEC),
        "needs_var.md": (Status.SKIP, Reason.MISSING_VARIABLE),
        "ok.md": None,
        "old.md": (Status.SKIP, Reason.DEPRECATED),
        "remove.md": (Status.SKIP, Reason.DESTRUCTIVE),
        "skipped.md": (Status.SKIP, Reason.SKIPPED_STATUS),
    }
    skipped = next(p for p in checked.specs if p.result.path.name == "skipped.md")
    assert skipped.verdict is not None and "flaky upstream" in skipped.verdict.message
    needs = next(p for p in checked.specs if p.result.path.name == "needs_var.md")
    assert needs.verdict is not None and "item_uid" in needs.verdict.message
    assert [p.result.path.name for p in checked.to_run] == ["ok.md"]


def test_include_flags_and_variables_let_them_run(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    write_spec(root, "skipped", status="skip")
    write_spec(root, "remove", method="DELETE", path="/items/1")
    write_spec(root, "needs_var", path="/items/{{item_uid}}")
    selection = Selection(include_skipped=True, include_delete=True)
    checked = plan([root], selection, {"item_uid": "u1"})
    assert len(checked.to_run) == 3


def test_filters_leave_specs_out_of_the_report(tmp_path: Path) -> None:
    root = tmp_path / "specs"
    write_spec(root / "pets", "list_pets", front="tags: [Pets, read]")
    write_spec(root / "pets", "add_pet", method="POST", front="tags: [Pets]")
    write_spec(root / "stores", "list_stores", front="domain: Shops")
    by_domain = plan([root], Selection(domains=("PETS",)))
    assert sorted(p.result.path.name for p in by_domain.specs) == ["add_pet.md", "list_pets.md"]
    assert by_domain.not_selected == 1
    assert [p.result.path.name for p in plan([root], Selection(domains=("shops",))).specs] == [
        "list_stores.md"
    ]
    assert [p.result.path.name for p in plan([root], Selection(methods=("POST",))).specs] == [
        "add_pet.md"
    ]
    assert [p.result.path.name for p in plan([root], Selection(tags=("read",))).specs] == [
        "list_pets.md"
    ]


def test_a_missing_credential_skips_with_the_variable_to_set(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "secure")
    checked = plan([spec], credential="no staff token: set LOADSPEC_TOKEN_STAFF")
    assert verdicts(checked) == {"secure.md": (Status.SKIP, Reason.MISSING_CREDENTIAL)}
    assert checked.specs[0].verdict is not None
    assert "LOADSPEC_TOKEN_STAFF" in checked.specs[0].verdict.message


def test_specs_are_checked_in_path_order(tmp_path: Path) -> None:
    for name in ("c", "a", "b"):
        write_spec(tmp_path, name)
    assert [p.result.path.name for p in plan([tmp_path]).specs] == ["a.md", "b.md", "c.md"]
    assert isinstance(plan([tmp_path]).specs[0].spec, Spec)
