"""Any API, as a new user runs it (issue 22): every selected spec runs or is named, a JSON
data file's numbers arrive as numbers, each failure row shows a real example, and specs for
another API never go to the embedded gateway."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.load.runs import read_failures, run_locust
from tests.plain_server import PlainServer

pytestmark = pytest.mark.slow  # every test here starts real Locust or server processes

SPEC = """---
endpoint: "{method} {endpoint}"
status: verified
tokens: []
{front}
---
# {title}

## Test Request
```yaml
steps:
  - id: main_request
    method: {method}
    path: {path}
    token: none
{more}
```
"""


def write_spec(
    folder: Path, name: str, method: str, path: str, *, front: str = "", more: str = ""
) -> Path:
    """A one-step spec `name` for `METHOD path` (no credential), extra front matter and keys."""
    spec = folder / f"{name}.md"
    text = SPEC.format(method=method, endpoint=path.replace("{{", "{").replace("}}", "}"),
                       path=path, front=front, more=more, title=name)  # fmt: skip
    spec.write_text(text, encoding="utf-8")
    return spec


@pytest.fixture
def server() -> Iterator[PlainServer]:
    with PlainServer() as running:
        yield running


def test_one_user_for_three_specs_names_the_two_that_do_not_run(
    server: PlainServer, tmp_path: Path
) -> None:
    """-u 1 with three spec files: Locust gives the one user to one spec; the start-up warning
    names the other two and the -u that runs all three (the documented choice)."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("alpha", "beta", "gamma"):
        write_spec(specs, name, "GET", f"/status/200?spec={name}")
    done, rows = run_locust(
        tmp_path, *("-f", "locustfiles/specs.py", "--specs", str(specs), "--host", server.url),
        *("--headless", "-u", "1", "-r", "1", "-t", "2s"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    (warning,) = [line for line in done.stderr.splitlines() if "got no user" in line]
    idle = re.search(r"2 of 3 specs got no user and do not run: (\S+), (\S+) ", warning)
    assert idle is not None, warning
    assert "give -u 3 or more to run every spec" in warning
    ran = {name for name in ("alpha", "beta", "gamma") if f"{name}.md" not in idle.groups()}
    assert len(ran) == 1
    assert rows[("GET", f"/status/200?spec={ran.pop()}")].requests > 0


def test_three_users_for_three_specs_warn_of_nothing(server: PlainServer, tmp_path: Path) -> None:
    """As many users as specs: every spec runs and no warning is logged."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("alpha", "beta", "gamma"):
        write_spec(specs, name, "GET", f"/status/200?spec={name}")
    done, rows = run_locust(
        tmp_path, *("-f", "locustfiles/specs.py", "--specs", str(specs), "--host", server.url),
        *("--headless", "-u", "3", "-r", "3", "-t", "2s"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "got no user" not in done.stderr
    assert all(rows[("GET", f"/status/200?spec={n}")].requests for n in ("alpha", "beta", "gamma"))


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
def test_a_json_data_files_numbers_arrive_as_numbers(
    server: PlainServer, tmp_path: Path, suffix: str
) -> None:
    """A `.jsonl` (or `.json` array) row `{"pet_id": 1000}` is sent as 1000, not "1000", where
    the placeholder is the whole value; inside text it is text."""
    rows = [{"pet_id": 1000 + n, "tag": "a", "ok": True} for n in range(3)]
    data = tmp_path / f"pets{suffix}"
    if suffix == ".jsonl":
        data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    else:
        data.write_text(json.dumps(rows), encoding="utf-8")
    body = '    body: {id: "{{pet_id}}", name: "pet {{pet_id}}", tag: "{{tag}}", ok: "{{ok}}"}'
    data_key = f"data: {{file: pets{suffix}}}"
    spec = write_spec(tmp_path, "pets", "POST", "/echo", front=data_key, more=body)
    done, _ = run_locust(
        tmp_path, *("-f", "locustfiles/specs.py", "--specs", str(spec), "--host", server.url),
        *("--headless", "-u", "1", "-r", "1", "--iterations", "3", "-t", "20s"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert server.echoed == [
        {"id": 1000 + n, "name": f"pet {1000 + n}", "tag": "a", "ok": True} for n in range(3)
    ]


def test_failure_rows_group_and_every_report_shows_a_real_example(
    server: PlainServer, tmp_path: Path
) -> None:
    """404s whose bodies name a fresh id each time are one failure row (`<id>`), and the
    summary and the --json-file verdict show one real message of it."""
    spec = write_spec(tmp_path, "missing", "GET", "/nothing/{{unique_id}}")
    done, _ = run_locust(
        tmp_path, *("-f", "locustfiles/specs.py", "--specs", str(spec), "--host", server.url),
        *("--headless", "-u", "2", "-r", "2", "-t", "2s", "--json-file", str(tmp_path / "run")),
    )  # fmt: skip
    assert done.returncode == 1, done.stderr[-2000:]
    (failure,) = read_failures(tmp_path / "run_failures.csv")
    assert "no route GET /nothing/<id>" in failure["Error"]
    entries = json.loads((tmp_path / "run.json").read_text())
    (verdict,) = [r for r in entries if r.get("method") == "VERDICT"]
    (shown,) = verdict["failures"]
    assert shown["message"] == failure["Error"]
    assert re.search(r"no route GET /nothing/[0-9a-f]{32}", shown["example"]), shown
    assert shown["example"] in done.stderr  # the console summary shows the same example


def test_specs_for_another_api_without_a_host_exit_2_naming_them(tmp_path: Path) -> None:
    """No --host: specs whose operations the embedded gateway does not serve stop the run
    before the gateway starts or any request is sent, named, with the way out (--host)."""
    specs = tmp_path / "petstore"
    specs.mkdir()
    write_spec(specs, "get_pet", "GET", "/api/v3/pet/{{pet_id}}")
    write_spec(specs, "find_pets", "GET", "/api/v3/pet/findByStatus?status=sold")
    done, rows = run_locust(
        tmp_path, *("-f", "locustfiles/specs.py", "--specs", f"{specs},specs/communication"),
        *("--headless", "-u", "1", "-t", "2s", "--var", "pet_id=1"),
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"{specs / 'get_pet.md'}: GET /api/v3/pet/{{{{pet_id}}}}" in done.stderr
    assert f"{specs / 'find_pets.md'}: GET /api/v3/pet/findByStatus" in done.stderr
    assert "2 spec(s) above call others and name no contract (swagger:) to mock" in done.stderr
    assert "communication" not in done.stderr.replace("communication gateway", "")
    assert "started the embedded gateway" not in done.stderr and not rows
    assert "Traceback" not in done.stderr
