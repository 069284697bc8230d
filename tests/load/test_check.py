"""`loadspec check` as a user runs it: real processes, the embedded gateway, a faulty gateway,
a server that is not ours, the authors' corpus, and the pytest plugin."""

from __future__ import annotations

import functools
import http.server
import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from loadspec.stub import Faults, StubServer
from tests.check.specs import write_spec
from tests.conftest import ROOT
from tests.load.runs import named_gateway
from tests.local_server import serving

pytestmark = pytest.mark.slow  # every test here starts real check, server or gateway processes

SEED = ROOT / "specs" / "communication" / "post_business_communication_messages.md"
EVENT_DRIVEN = (
    ROOT / "specs" / "communication" / "post_business_communication_messages_on_active_channel.md"
)
SCHEMA_CODES = {"SCHEMA_MISMATCH", "MISSING_REQUIRED_FIELD", "TYPE_MISMATCH", "INVALID_VALUE"}


def check(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`loadspec check ARGS` in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "loadspec", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )


def results(path: Path) -> dict[str, dict[str, Any]]:
    """A --json report's results by spec file name."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {Path(r["spec"]).name: r for r in data["results"]}


class _Recorder(http.server.SimpleHTTPRequestHandler):
    """A plain static file server (the standard library's), that counts what it is asked."""

    seen: list[str]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.seen.append(self.requestline)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: what was asked is in `seen`."""


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[str, list[str], Path]]:
    """`http.server` on loopback serving a folder: (its URL, the request lines it saw, folder)."""
    folder = tmp_path / "site"
    folder.mkdir()
    seen: list[str] = []
    handler = type("Recorder", (_Recorder,), {"seen": seen})
    with serving(functools.partial(handler, directory=str(folder))) as url:
        yield url, seen, folder


def test_the_verbatim_seed_passes_against_the_embedded_gateway(tmp_path: Path) -> None:
    """The flow its authors had to skip: channel, client, message, checked against the contract."""
    done = check("--include-skipped", str(SEED), "--json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    seed = results(tmp_path / "r.json")[SEED.name]
    assert seed["status"] == "PASS", seed
    assert [(s["id"], s["status"]) for s in seed["steps"]] == [
        ("create_channel", "PASS"),
        ("get_client", "PASS"),
        ("main_request", "PASS"),
    ]
    assert "the embedded gateway" in done.stdout
    assert "Check PASSED" in done.stdout


def test_every_spec_once_with_one_junit_case_each_and_matching_counts(tmp_path: Path) -> None:
    done = check("specs/", "--junit", str(tmp_path / "j.xml"), "--json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    summary = json.loads((tmp_path / "r.json").read_text())["summary"]
    suite = ElementTree.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert suite is not None
    spec_files = sorted((ROOT / "specs").rglob("*.md"))
    assert summary["total"] == len(spec_files) == len(suite.findall("testcase"))
    assert int(suite.get("skipped", -1)) == summary["skipped"] == 1  # the verbatim seed
    assert int(suite.get("failures", -1)) == summary["failed"] == 0
    assert summary["passed"] == len(spec_files) - 1
    assert "[1/4]" in done.stderr and "[4/4]" in done.stderr  # progress as it goes
    waiting = results(tmp_path / "r.json")[EVENT_DRIVEN.name]["steps"]
    assert [(s["id"], s["phase"], s["request"], s["status"]) for s in waiting][:2] == [
        ("create_channel", "prerequisites", "POST /business/communication/channels", "PASS"),
        ("channel_active", "prerequisites", "WAIT channel_active", "PASS"),
    ]


def test_a_contract_breaking_gateway_fails_with_schema_codes_and_json_paths(tmp_path: Path) -> None:
    with StubServer(activation_delay="fixed:50", faults=Faults(contract_break_rate=1)) as gateway:
        done = check(
            "specs/", "--host", gateway.url, "--json", str(tmp_path / "r.json"),
            env=named_gateway(gateway),
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    ran = [r for r in results(tmp_path / "r.json").values() if r["status"] != "SKIP"]
    assert len(ran) == 3
    for result in ran:
        assert result["status"] == "FAIL", result
        assert result["details"]["reason"] in SCHEMA_CODES, result
        assert "contract at $" in result["details"]["message"], result
    assert "Check FAILED" in done.stdout


def test_a_failing_gateway_is_a_server_error(tmp_path: Path) -> None:
    with StubServer(faults=Faults(error_rate=1)) as gateway:
        done = check(
            "specs/", "--host", gateway.url, "--json", str(tmp_path / "r.json"),
            env=named_gateway(gateway),
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    ran = [r for r in results(tmp_path / "r.json").values() if r["status"] != "SKIP"]
    assert {r["details"]["reason"] for r in ran} == {"SERVER_ERROR"}, ran


def test_a_dropped_callback_is_a_callback_timeout_not_a_hang(tmp_path: Path) -> None:
    spec = tmp_path / "specs" / EVENT_DRIVEN.name
    spec.parent.mkdir()
    spec.write_text(EVENT_DRIVEN.read_text().replace("timeout: 30000", "timeout: 1500"))
    with StubServer(activation_delay="fixed:50", faults=Faults(callback_drop_rate=1)) as gateway:
        done = check(
            str(spec), "--root", str(ROOT), "--host", gateway.url,
            "--json", str(tmp_path / "r.json"), env=named_gateway(gateway), timeout=60,
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    result = results(tmp_path / "r.json")[spec.name]
    assert (result["status"], result["details"]["reason"]) == ("FAIL", "CALLBACK_TIMEOUT")
    assert "within 1.5 s" in result["details"]["message"]


def test_a_server_that_is_not_ours(
    static_server: tuple[str, list[str], Path], tmp_path: Path
) -> None:
    """`http.server` serving JSON files, a contract of its own: PASS, WARN and FAILs by code."""
    url, seen, site = static_server
    (site / "items.json").write_text('[{"id": 1, "name": "a"}]')
    (site / "extra.json").write_text('[{"id": 1, "name": "a", "colour": "red"}]')
    specs = tmp_path / "specs"
    item = {"type": "object", "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}  # fmt: skip
    listing = {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"type": "array", "items": item}}}}}  # fmt: skip
    contract = {
        "openapi": "3.0.3",
        "info": {"title": "static", "version": "1"},
        "paths": {"/items.json": {"get": {"responses": listing}},
                  "/extra.json": {"get": {"responses": listing}},
                  "/nothing.json": {"get": {"responses": listing}}},
    }  # fmt: skip
    specs.mkdir()
    (specs / "static.json").write_text(json.dumps(contract))
    front = "swagger: static.json"
    write_spec(specs, "items", path="/items.json", front=front, step="    token: none")
    write_spec(specs, "drift", path="/extra.json", front=front, step="    token: none")
    write_spec(specs, "wrong_status", path="/items.json", front=front,
               step="    token: none\n    expect:\n      status: 201")  # fmt: skip
    write_spec(specs, "missing", path="/nothing.json", front=front, step="    token: none")
    done = check(str(specs), "--host", url, "--json", str(tmp_path / "r.json"))
    assert done.returncode == 1, done.stdout + done.stderr
    found = {
        name: (r["status"], r["details"]["reason"])
        for name, r in results(tmp_path / "r.json").items()
    }
    assert found == {
        "items.md": ("PASS", None),
        "drift.md": ("WARN", "UNDOCUMENTED_FIELD"),
        "wrong_status.md": ("FAIL", "UNEXPECTED_STATUS_CODE"),
        "missing.md": ("FAIL", "ENDPOINT_NOT_FOUND"),
    }
    assert len([line for line in seen if line.startswith("GET ")]) == 4
    # --fail-on warn fails on the drift too; --fail-on error does not.
    assert check(str(specs / "drift.md"), "--host", url, "--fail-on", "warn").returncode == 1
    assert check(str(specs / "drift.md"), "--host", url, "--fail-on", "error").returncode == 0


def test_a_dry_run_over_the_authors_corpus_lists_every_spec_and_sends_nothing(
    vcita: Path, static_server: tuple[str, list[str], Path], tmp_path: Path
) -> None:
    url, seen, _ = static_server
    config = tmp_path / "config"
    config.mkdir()
    (config / "default.json").write_text(
        json.dumps({"baseUrl": url, "rateLimit": {"requestsPerSecond": 5}})
    )
    (config / "tokens.json").write_text(json.dumps({"tokens": {"staff": "staff-jwt-0"}}))
    done = check(
        "--dry-run", "--api-validation-config", str(config), str(vcita / "workflows"),
        "--root", str(vcita),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    listed = [line for line in done.stdout.splitlines() if line[:5].strip().rstrip(".").isdigit()]
    specs = [
        p for p in (vcita / "workflows").rglob("*.md") if p.name not in ("README.md", "TEMPLATE.md")
    ]
    assert len(listed) >= len(specs) - 5  # files without front matter are not specs
    assert {line.split()[1] for line in listed} <= {"RUN", "SKIP", "FAIL"}
    assert "no request sent" in done.stdout
    assert seen == []


def test_a_configuration_problem_exits_2_before_any_request(
    static_server: tuple[str, list[str], Path],
) -> None:
    """A spec that waits for callbacks, at a host without its signing secret: exit 2."""
    url, seen, _ = static_server
    env = {"LOADSPEC_TOKEN_STAFF": "t"}
    done = check(str(EVENT_DRIVEN), "--host", url, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "LOADSPEC_WEBHOOK_SECRET" in done.stderr
    assert seen == []


def _plugin_args() -> list[str]:
    """`-p` the plugin where it is not installed (a checkout run without `pip install`)."""
    names = {e.name for e in importlib.metadata.entry_points(group="pytest11")}
    return [] if "loadspec" in names else ["-p", "loadspec.check.pytest_plugin"]


def test_pytest_collects_and_runs_the_spec_files() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "specs/", "--loadspec", "-p", "no:cacheprovider",
         "-q", *_plugin_args()],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed, 1 skipped" in done.stdout


def test_pytest_fails_the_item_of_a_spec_that_breaks_the_contract(tmp_path: Path) -> None:
    with StubServer(faults=Faults(contract_break_rate=1)) as gateway:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "specs/communication/get_platform_v1_clients.md",
             "--loadspec-host", gateway.url, "-p", "no:cacheprovider", "-q", *_plugin_args()],
            cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
            env={**os.environ, **named_gateway(gateway)},
        )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout
    assert "contract at $" in done.stdout


def test_specs_for_another_api_without_a_host_exit_2_naming_them(tmp_path: Path) -> None:
    """No --host: the embedded gateway serves only its own API, so the check refuses to start."""
    write_spec(tmp_path / "specs", "list_pets", path="/pets", step="    token: none")
    done = check(str(tmp_path / "specs"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "list_pets.md" in done.stderr
    assert "Give --host" in done.stderr
    assert "checking" not in done.stderr  # nothing started
