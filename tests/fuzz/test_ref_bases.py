"""`$ref`s to published files read from local folders: bundled into the contract, never fetched.

The authors' tool (`src/core/parser/swagger-parser.js`, `src/core/utils/ref-resolver.js`) reads
`https://vcita.github.io/developers-hub/<path>` from `<its checkout>/<path>`; loadspec reads it
from the root, and any prefix a user maps from the folder given for it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loadspec import load_specs
from loadspec.contract.bundle import AUTHORS_PREFIX, BUNDLE, RefBases, parse_ref_base
from loadspec.contract.conformance import ResponseChecker
from loadspec.contract.lookup import clear_cache, load_contract
from loadspec.contract.refs import outside_ref
from loadspec.errors import ConfigError
from loadspec.fuzz import Credentials, PlanOptions, plan_fuzz

from .conftest import ROOT, write_spec

ANY_TOKEN = Credentials.single("refs-token-0001")
LOADSPEC = (sys.executable, "-m", "loadspec")
THING = f"{AUTHORS_PREFIX}entities/things/thing.json"


def contract(thing_ref: str = THING) -> dict[str, Any]:
    """An OpenAPI 3 contract whose one response schema is a published entity."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "things", "version": "1"},
        "paths": {
            "/things/{uid}": {
                "get": {
                    "parameters": [
                        {
                            "name": "uid",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": thing_ref}}},
                        }
                    },
                }
            }
        },
    }


THING_ENTITY = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["uid", "status"],
    "properties": {
        "uid": {"type": "string"},
        "status": {"$ref": "#/definitions/status"},
        "owner": {"$ref": f"{AUTHORS_PREFIX}entities/people/person.json"},
        "tags": {"type": "array", "items": {"$ref": "tag.json"}},
    },
    "definitions": {"status": {"type": "string", "enum": ["on", "off"]}},
}
PERSON_ENTITY = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "best_thing": {"$ref": f"{AUTHORS_PREFIX}entities/things/thing.json"},  # a cycle
    },
}
TAG_ENTITY = {"type": "string", "maxLength": 5}


@pytest.fixture(autouse=True)
def _fresh_contracts() -> Any:
    clear_cache()
    yield
    clear_cache()


def make_tree(root: Path, thing_ref: str = THING) -> Path:
    """A folder shaped like the authors' repository: swagger/ and entities/."""
    write(root / "swagger" / "things.json", contract(thing_ref))
    write(root / "entities" / "things" / "thing.json", THING_ENTITY)
    write(root / "entities" / "things" / "tag.json", TAG_ENTITY)
    write(root / "entities" / "people" / "person.json", PERSON_ENTITY)
    return root / "swagger" / "things.json"


def write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


def checker(path: Path, bases: RefBases) -> ResponseChecker:
    loaded = load_contract(path, bases)
    operation = loaded.find_operation("GET", "/things/{uid}")
    assert operation is not None
    return ResponseChecker.for_operation(operation, bases)


def test_authors_prefix_is_read_from_the_root(tmp_path: Path) -> None:
    """Every published ref, nested, relative and cyclic ones included, becomes local."""
    path = make_tree(tmp_path)
    loaded = load_contract(path, RefBases.of(root=tmp_path))
    operation = loaded.find_operation("GET", "/things/x")
    assert operation is not None
    assert outside_ref(loaded.raw, operation.raw) is None
    assert sorted(loaded.raw[BUNDLE]) == [
        "entities_people_person.json",
        "entities_things_tag.json",
        "entities_things_thing.json",
    ]
    assert not loaded.unresolved
    # The file on disk is read, never changed.
    assert json.loads(path.read_text())["paths"] == contract()["paths"]


def test_bundled_schemas_check_responses(tmp_path: Path) -> None:
    """A response is checked against the entity's schema, its own `#/definitions` included."""
    check = checker(make_tree(tmp_path), RefBases.of(root=tmp_path))
    good = {"uid": "t1", "status": "on", "owner": {"name": "a"}, "tags": ["x"]}
    assert check.check(200, "application/json", json.dumps(good).encode()) is None
    bad_status = {**good, "status": "maybe"}
    problem = check.check(200, "application/json", json.dumps(bad_status).encode())
    assert problem is not None and "$.status" in problem and "'maybe' is not one of" in problem
    long_tag = {**good, "tags": ["too-long"]}
    assert check.check(200, "application/json", json.dumps(long_tag).encode()) is not None
    assert not check.notes


def test_without_root_the_nearest_folder_above_the_contract(tmp_path: Path) -> None:
    """No --root: the first folder above the contract that holds the file, as swagger: does."""
    path = make_tree(tmp_path / "checkout")
    loaded = load_contract(path)  # the default bases
    assert not loaded.unresolved
    assert BUNDLE in loaded.raw


def test_a_mapped_file_that_is_missing_is_named(tmp_path: Path) -> None:
    """The contract loads; the ref stays remote, and what it was mapped to is said."""
    missing = f"{AUTHORS_PREFIX}entities/things/absent.json"
    path = make_tree(tmp_path, missing)
    bases = RefBases.of(root=tmp_path)
    loaded = load_contract(path, bases)
    expected = tmp_path / "entities" / "things" / "absent.json"
    assert loaded.unresolved == {missing: f"mapped to {expected}, which does not exist"}
    check = checker(path, bases)
    assert check.check(200, "application/json", b'{"anything": 1}') is None
    assert check.notes == (
        "/paths/~1things~1{uid}/get/responses/200/content/application~1json/schema: not "
        f"checked: it refers to {missing}, mapped to {expected}, which does not exist",
    )


def test_fuzz_plan_names_the_missing_file(tmp_path: Path) -> None:
    """A spec whose operation needs a missing mapped file is left out, the file named."""
    missing = f"{AUTHORS_PREFIX}entities/things/absent.json"
    make_tree(tmp_path, missing)
    write_spec(tmp_path, "thing.md", "GET /things/{uid}", "swagger/things.json")
    plan = plan_fuzz(load_specs([tmp_path / "thing.md"]), PlanOptions(ANY_TOKEN, root=tmp_path))
    assert not plan.targets
    reason = plan.excluded[0].reason
    assert f"refers to {missing}, mapped to {tmp_path / 'entities'}" in reason
    assert "absent.json, which does not exist (loadspec fetches nothing remote)" in reason


def test_fuzz_plan_takes_operations_with_mapped_refs(tmp_path: Path) -> None:
    """With the files present the operation is planned."""
    make_tree(tmp_path)
    write_spec(tmp_path, "thing.md", "GET /things/{uid}", "swagger/things.json")
    plan = plan_fuzz(load_specs([tmp_path / "thing.md"]), PlanOptions(ANY_TOKEN, root=tmp_path))
    assert [t.name for t in plan.targets] == ["GET /things/{uid}"]


def test_a_user_mapped_prefix(tmp_path: Path) -> None:
    """`--ref-base PREFIX=DIR`: refs under PREFIX are read from DIR; longer prefixes first."""
    write(tmp_path / "schemas" / "thing.json", THING_ENTITY)
    write(tmp_path / "schemas" / "tag.json", TAG_ENTITY)
    make_tree(tmp_path / "repo")
    path = tmp_path / "repo" / "swagger" / "things.json"
    write(path, contract("https://schemas.example.test/v1/thing.json"))
    unmapped = load_contract(path, RefBases.of(root=tmp_path / "repo"))
    assert BUNDLE not in unmapped.raw  # a prefix nobody maps stays remote: never fetched
    assert not unmapped.unresolved
    bases = RefBases.of([("https://schemas.example.test/v1/", tmp_path / "schemas")])
    loaded = load_contract(path, bases)
    operation = loaded.find_operation("GET", "/things/x")
    assert operation is not None and outside_ref(loaded.raw, operation.raw) is None


def test_a_path_that_climbs_out_of_the_mapped_folder_is_refused(tmp_path: Path) -> None:
    """`..` in a published path never reads outside the folder mapped to it."""
    escape = f"{AUTHORS_PREFIX}entities/../../secret.json"
    write(tmp_path.parent / "secret.json", {"type": "string"})
    loaded = load_contract(make_tree(tmp_path, escape), RefBases.of(root=tmp_path))
    assert "not a file path below the mapped folder" in loaded.unresolved[escape]


def test_ref_base_option_text() -> None:
    """`PREFIX=DIR`, or a one-line error."""
    assert parse_ref_base("https://x.test/a/=schemas") == ("https://x.test/a/", Path("schemas"))
    with pytest.raises(ConfigError, match="is not PREFIX=DIR"):
        parse_ref_base("https://x.test/a/")


def test_dry_run_with_ref_base_option_and_pyproject(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the command line and from `[tool.loadspec.ref-bases]` (relative to pyproject)."""
    make_tree(tmp_path / "repo")
    write(tmp_path / "schemas" / "thing.json", THING_ENTITY)
    write(tmp_path / "schemas" / "tag.json", TAG_ENTITY)
    path = tmp_path / "repo" / "swagger" / "things.json"
    write(path, contract("https://schemas.example.test/v1/thing.json"))
    spec = write_spec(tmp_path / "repo", "thing.md", "GET /things/{uid}", "swagger/things.json")
    run = cli("fuzz", "--dry-run", str(spec))
    assert run.code == 2 and "outside the contract" in run.text
    option = f"https://schemas.example.test/v1/={tmp_path / 'schemas'}"
    run = cli("fuzz", "--dry-run", str(spec), "--ref-base", option)
    assert run.code == 0, run.text
    assert "GET /things/{uid}  [token staff] ok" in run.out
    (tmp_path / "repo" / "pyproject.toml").write_text(
        '[tool.loadspec.ref-bases]\n"https://schemas.example.test/v1/" = "../schemas"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path / "repo")  # the nearest pyproject.toml above the folder run in
    run = cli("fuzz", "--dry-run", str(spec))
    assert run.code == 0, run.text


def test_dry_run_of_the_corpus_plans_the_entity_operations(vcita: Path) -> None:
    """Issue 12's "done when": the operations whose contracts refer to entities/ are planned.

    Run as a user runs it, in its own process, from the project's folder.
    """
    done = subprocess.run(
        [*LOADSPEC, "fuzz", "../shared/vcita/workflows", "--root", "../shared/vcita", "--dry-run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "outside the contract" not in done.stdout
    lines = done.stdout.splitlines()
    planned = {_operation(line) for line in lines if "[token" in line or "[schemes" in line}
    # The 15 operations that refer to https://vcita.github.io/developers-hub/entities/...
    entity_operations = {
        "GET /v3/communication/notification_templates",
        "GET /v3/communication/notification_templates/{uid}",
        "POST /v3/communication/notification_templates",
        "PUT /v3/communication/notification_templates/{uid}",
        "GET /v3/communication/staff_notifications/{uid}",
        "POST /v3/communication/staff_notifications",
        "GET /v3/communication/voice_call_quotas",
        "GET /v3/communication/voice_call_settings",
        "POST /v3/communication/voice_call_settings",
        "PUT /v3/communication/voice_call_settings/{uid}",
        "GET /v3/communication/voice_calls",
        "GET /v3/communication/voice_calls/{uid}",
        "POST /v3/communication/voice_calls",
        "PUT /v3/communication/voice_calls/{uid}",
        "PUT /v3/communication/voice_call_recordings/{uid}",
    }
    assert entity_operations <= planned, sorted(entity_operations - planned)
    entity_lines = [line for line in lines if _operation(line) in entity_operations]
    assert all(line.endswith(" ok") for line in entity_lines), entity_lines
    summary = done.stdout.strip().splitlines()[-1]
    count = int(summary.split(" of ", 1)[0])
    assert summary.startswith(f"{count} of {count} operation(s) can be fuzzed"), summary


def _operation(line: str) -> str:
    return line.strip().split("  [", 1)[0]
