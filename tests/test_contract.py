"""Contract lookup: loading contracts, resolving `swagger:` values, finding operations."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from loadspec.contract.locate import resolve_contract_path
from loadspec.contract.lookup import (
    Contract,
    ContractError,
    ContractVersion,
    Operation,
    clear_cache,
    load_contract,
)
from loadspec.errors import LoadspecError
from loadspec.files import FileRefused, SpecFiles

VCITA = Path(__file__).resolve().parents[1].parent / "shared" / "vcita"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_cache()


def write(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".json":
        path.write_text(json.dumps(doc), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def op(operation_id: str) -> dict[str, Any]:
    return {"operationId": operation_id, "responses": {"200": {"description": "ok"}}}


def swagger2(
    paths: dict[str, Any], base_path: str | None = "/business/communication"
) -> dict[str, Any]:
    doc: dict[str, Any] = {"swagger": "2.0", "info": {"title": "t", "version": "1"}}
    if base_path is not None:
        doc["basePath"] = base_path
    doc["paths"] = paths
    return doc


def openapi(paths: dict[str, Any], version: str = "3.0.3", servers: Any = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"openapi": version, "info": {"title": "t", "version": "1"}}
    if servers is not None:
        doc["servers"] = servers
    doc["paths"] = paths
    return doc


def contract_of(tmp_path: Path, doc: Any, name: str = "c.json") -> Contract:
    return Contract.from_path(write(tmp_path / name, doc))


# --- loading and base paths ---------------------------------------------------------------


def test_swagger2_paths_are_joined_to_base_path(tmp_path: Path) -> None:
    """Swagger 2.0 paths are relative to `basePath`; a spec names them with it or without."""
    contract = contract_of(tmp_path, swagger2({"/channels": {"post": op("createChannel")}}))
    assert contract.version is ContractVersion.SWAGGER2
    assert contract.base_path == "/business/communication"
    found = contract.find_operation("POST", "/business/communication/channels")
    assert found is not None
    assert (found.method, found.path, found.contract_path, found.operation_id) == (
        "POST",
        "/business/communication/channels",
        "/channels",
        "createChannel",
    )
    assert found.contract == contract.path
    assert found.raw is contract.raw["paths"]["/channels"]["post"]
    assert contract.find_operation("POST", "/channels") == found
    assert found.name == "POST /channels"
    assert found.name_for("/business/communication/channels") == (
        "POST /business/communication/channels"
    )
    assert found.name_for("/channels") == "POST /channels"


@pytest.mark.parametrize("base", [None, "/", "", "business/communication/"])
def test_swagger2_base_path_is_normalised(tmp_path: Path, base: str | None) -> None:
    """A missing, root, empty or slash-less basePath still joins to a clean full path."""
    contract = contract_of(tmp_path, swagger2({"/channels": {"post": op("c")}}, base_path=base))
    expected = "/business/communication" if base and base.strip("/") else ""
    assert contract.base_path == expected
    assert contract.find_operation("post", f"{expected}/channels") is not None


def test_swagger2_with_an_openapi3_components_block_loads(tmp_path: Path) -> None:
    """The real legacy file mixes an OpenAPI 3 `components` block into Swagger 2.0."""
    doc = swagger2({"/messages": {"post": op("m")}})
    doc["components"] = {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}
    contract = contract_of(tmp_path, doc)
    assert contract.version is ContractVersion.SWAGGER2
    assert contract.find_operation("POST", "/business/communication/messages") is not None


def test_swagger2_without_version_key_is_read_leniently(tmp_path: Path) -> None:
    """A file that lost its `swagger` key but has Swagger-only keys loads, with a note."""
    doc = {"basePath": "/platform/v1", "host": "api.example.com", "paths": {"/fields": {}}}
    contract = contract_of(tmp_path, doc)
    assert contract.version is ContractVersion.SWAGGER2
    assert contract.notes == (
        "no 'swagger' key; read as Swagger 2.0 because it has basePath, host",
    )


@pytest.mark.parametrize(
    ("servers", "base"),
    [
        (None, ""),
        ([], ""),
        ([{"url": "https://api.vcita.biz/"}], ""),
        ([{"url": "https://api.vcita.biz"}], ""),
        ([{"url": "https://api.example.com/business/communication/"}], "/business/communication"),
        ([{"url": "/api/v1"}, {"url": "https://other/x"}], "/api/v1"),
        ([{"url": "{scheme}://h/{base}", "variables": {"base": {"default": "v2"}}}], "/v2"),
    ],
)
def test_openapi30_base_path_is_the_first_server_urls_path(
    tmp_path: Path, servers: Any, base: str
) -> None:
    """OpenAPI 3 servers give a base path only when their URL has a path part."""
    doc = openapi({"/sessions": {"get": op("list")}}, servers=servers)
    contract = contract_of(tmp_path, doc)
    assert contract.version is ContractVersion.OPENAPI30
    assert contract.base_path == base
    assert contract.find_operation("GET", f"{base}/sessions") is not None


def test_openapi31_yaml_file_loads(tmp_path: Path) -> None:
    """OpenAPI 3.1 in YAML loads; full paths in `paths` match as they are."""
    doc = openapi({"/v3/communication/x": {"get": op("x")}}, version="3.1.0")
    contract = contract_of(tmp_path, doc, name="c.yaml")
    assert contract.version is ContractVersion.OPENAPI31
    assert contract.find_operation("GET", "/v3/communication/x") is not None


def test_non_method_keys_of_path_items_are_ignored(tmp_path: Path) -> None:
    """`parameters`, `summary`, `x-` keys are not operations; malformed items become notes."""
    paths = {
        "/channels/{uid}": {
            "parameters": [{"name": "uid", "in": "path"}],
            "summary": "one channel",
            "x-amazon-apigateway-any-method": {},
            "put": op("update"),
            "delete": "not an operation",
        },
        "/broken": ["not", "a", "path item"],
    }
    contract = contract_of(tmp_path, openapi(paths))
    assert [(o.method, o.contract_path) for o in contract.operations()] == [
        ("PUT", "/channels/{uid}")
    ]
    assert contract.notes == (
        "DELETE /channels/{uid} is a string, not an operation; ignored",
        "path '/broken' is a list, not a path item; ignored",
    )


def test_operations_come_in_document_order(tmp_path: Path) -> None:
    """`operations()` lists every method of every path as the contract orders them."""
    paths = {"/b": {"post": op("b1"), "get": op("b2")}, "/a": {"delete": op("a1")}}
    ids = [o.operation_id for o in contract_of(tmp_path, swagger2(paths, "/")).operations()]
    assert ids == ["b1", "b2", "a1"]


# --- matching ------------------------------------------------------------------------------


@pytest.fixture
def sessions(tmp_path: Path) -> Contract:
    paths = {
        "/sessions": {"get": op("list"), "post": op("create")},
        # The templated path comes first so that specificity, not order, must pick `typing`.
        "/sessions/{uid}": {"get": op("show"), "post": op("act"), "put": op("update")},
        "/sessions/typing": {"post": op("typing")},
        "/sessions/{uid}/files/{name}.json": {"get": op("file")},
    }
    return contract_of(tmp_path, swagger2(paths))


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("PUT", "/business/communication/sessions/{id}", "update"),
        ("PUT", "/business/communication/sessions/abc-123", "update"),
        ("PUT", "/business/communication/sessions/{{session_uid}}", "update"),
        ("get", "/business/communication/sessions/", "list"),
        ("Get", "/business/communication/sessions?page=2", "list"),
        ("GET", "https://api.example.com/business/communication/sessions", "list"),
        ("GET", "/business/communication/sessions/{u}/files/report.json", "file"),
    ],
)
def test_params_case_slashes_and_queries(
    sessions: Contract, method: str, path: str, operation_id: str
) -> None:
    """`{x}` matches `{y}` or any value; method case, trailing slashes and queries do not matter."""
    found = sessions.find_operation(method, path)
    assert found is not None
    assert found.operation_id == operation_id


def test_found_operation_keeps_the_contracts_own_param_names(sessions: Contract) -> None:
    """The operation's path is the contract's, not the caller's spelling of it."""
    found = sessions.find_operation("PUT", "/business/communication/sessions/{id}/")
    assert found is not None
    assert found.path == "/business/communication/sessions/{uid}"
    assert found.contract_path == "/sessions/{uid}"


def test_literal_segments_beat_templates(sessions: Contract) -> None:
    """`/sessions/typing` is its own operation, not `/sessions/{uid}` with uid=typing."""
    typing = sessions.find_operation("POST", "/business/communication/sessions/typing")
    templated = sessions.find_operation("POST", "/business/communication/sessions/{x}")
    assert typing is not None and typing.operation_id == "typing"
    assert templated is not None and templated.operation_id == "act"


def test_a_template_in_the_query_never_matches_a_literal(tmp_path: Path) -> None:
    """`{x}` means "any value": it must not claim a contract's literal segment."""
    contract = contract_of(tmp_path, openapi({"/sessions/typing": {"post": op("t")}}))
    assert contract.find_operation("POST", "/sessions/{uid}") is None


def test_specificity_counts_after_the_method(sessions: Contract) -> None:
    """The most specific path that has the method wins, even if a more literal one lacks it."""
    found = sessions.find_operation("GET", "/business/communication/sessions/typing")
    assert found is not None and found.operation_id == "show"


def test_operation_is_frozen_and_hashable(sessions: Contract) -> None:
    """Operations can key dicts and sets although they hold the raw operation mapping."""
    found = sessions.find_operation("GET", "/business/communication/sessions")
    assert isinstance(found, Operation)
    assert {found: 1}[found] == 1
    with pytest.raises(AttributeError):
        found.method = "PUT"  # type: ignore[misc]


def test_why_not_found_explains_each_kind_of_miss(sessions: Contract) -> None:
    """A miss says whether the method, the base path or a near path is the problem."""
    base = "/business/communication"
    assert sessions.why_not_found("GET", f"{base}/sessions") is None
    assert sessions.why_not_found("DELETE", f"{base}/sessions/{{uid}}") == (
        "the path is there but not for DELETE; it has GET, POST, PUT"
    )
    assert sessions.why_not_found("POST", "/sessions/typing") is None
    under = f"4 paths (under its basePath {base}, which may be left out)"
    assert sessions.why_not_found("POST", f"{base}/sesions/typing") == (
        f"none of its {under} matches; did you mean POST {base}/sessions/typing?"
    )
    assert sessions.why_not_found("GET", "/v3/unrelated") == f"none of its {under} matches"


# --- bad files -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("c.json", '{"swagger": "2.0",\n "paths": {,}}', "invalid JSON at line 2, column 12:"),
        ("c.yaml", "openapi: 3.0.0\npaths: [\n", "invalid YAML at line 3, column 1:"),
        ("c.json", "[1, 2]", "expected a mapping at the top, found a list"),
        ("c.yaml", "", "expected a mapping at the top, found null"),
        ("c.json", '{"swagger": "1.2", "paths": {}}', "unsupported swagger: '1.2'"),
        ("c.json", '{"openapi": "3.2.0", "paths": {}}', "unsupported openapi: '3.2.0'"),
        ("c.json", '{"openapi": "3.0.0", "swagger": "2.0"}', "has both swagger: '2.0' and"),
        ("c.json", '{"openapi": "3.0.0", "paths": []}', "'paths' must be a mapping"),
        (
            "c.json",
            '{"info": {}, "paths": {}}',
            "not a Swagger/OpenAPI document: no 'swagger' or 'openapi' key "
            "(expected swagger: '2.0', or openapi: 3.0.x or 3.1.x)",
        ),
    ],
)
def test_bad_files_raise_contract_error_naming_file_and_problem(
    tmp_path: Path, name: str, text: str, reason: str
) -> None:
    """Every bad contract is one clear `ContractError`: the file, then what is wrong."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError) as caught:
        Contract.from_path(path)
    assert isinstance(caught.value, LoadspecError)
    assert str(caught.value).startswith(f"{path}: ")
    assert reason in caught.value.reason
    error = caught.value
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00bad"])
def test_unreadable_files_raise_contract_error(tmp_path: Path, content: bytes | None) -> None:
    """A missing or undecodable file is a `ContractError`, not an OSError or UnicodeError."""
    path = tmp_path / "c.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ContractError, match=r"c\.json: cannot read the file: "):
        Contract.from_path(path)


# --- the cache -----------------------------------------------------------------------------


def test_cache_returns_the_same_contract_for_any_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A contract is parsed once per run, whatever path spelling reaches it."""
    path = write(tmp_path / "swagger" / "c.json", swagger2({"/x": {"get": op("x")}}))
    monkeypatch.chdir(tmp_path)
    first = load_contract(path)
    assert load_contract("swagger/c.json") is first
    assert load_contract(tmp_path / "swagger" / ".." / "swagger" / "c.json") is first
    clear_cache()
    assert load_contract(path) is not first


def test_cache_remembers_failures(tmp_path: Path) -> None:
    """A broken contract named by many specs fails each time with the same message."""
    path = tmp_path / "c.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ContractError) as first:
        load_contract(path)
    path.write_text(json.dumps(swagger2({})), encoding="utf-8")
    with pytest.raises(ContractError) as second:
        load_contract(path)
    assert second.value.reason == first.value.reason
    clear_cache()
    assert load_contract(path).version is ContractVersion.SWAGGER2


# --- resolving `swagger:` values -----------------------------------------------------------


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    """The authors' checkout: a git repository (so its top is the spec tree without --root)."""
    for rel in ("swagger/communication/legacy/communication.json", "mcp_swagger/clients.json"):
        write(tmp_path / rel, {})
    (tmp_path / "workflows" / "clients").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    return tmp_path


@pytest.mark.parametrize(
    "value",
    [
        "swagger/communication/legacy/communication.json",
        '"swagger/communication/legacy/communication.json"',
        "  'swagger/communication/legacy/communication.json' ",
        "`swagger/communication/legacy/communication.json`",
    ],
)
def test_relative_and_oddly_quoted_values_resolve_against_root(hub: Path, value: str) -> None:
    """Quotes and whitespace around a `swagger:` value are not part of the path."""
    spec = hub / "workflows" / "clients" / "s.md"
    found = resolve_contract_path(value, spec, hub)
    assert found == hub / "swagger/communication/legacy/communication.json"


@pytest.mark.parametrize(
    "value",
    [
        "/Users/ram.almog/Documents/GitHub/developers-hub/mcp_swagger/clients.json",
        "C:\\Users\\someone\\developers-hub\\mcp_swagger\\clients.json",
        "~/developers-hub/mcp_swagger/clients.json",
    ],
)
def test_absolute_paths_from_another_machine_resolve_by_longest_tail(hub: Path, value: str) -> None:
    """An absolute path that does not exist here names the longest tail that exists under root."""
    write(hub / "clients.json", {})  # a shorter tail that must lose
    found = resolve_contract_path(value, hub / "workflows" / "clients" / "s.md", hub)
    assert found == hub / "mcp_swagger/clients.json"


def test_absolute_path_that_exists_is_used_as_is_where_allowed(
    hub: Path, tmp_path_factory: Any
) -> None:
    """An absolute path valid on this machine wins over anything under root when --allow-path
    names it; otherwise it is read like one from another machine: its tail under the root."""
    elsewhere = write(tmp_path_factory.mktemp("other") / "mcp_swagger" / "clients.json", {})
    allowed = SpecFiles.of([hub], hub, [elsewhere.parent])
    assert resolve_contract_path(str(elsewhere), hub / "s.md", hub, allowed) == elsewhere
    assert resolve_contract_path(str(elsewhere), hub / "s.md", hub) == (
        hub / "mcp_swagger" / "clients.json"
    )


@pytest.mark.parametrize(
    ("value", "with_root"),
    [
        ("/etc/passwd", True),
        ("/etc/passwd", False),
        ("../" * 12 + "etc/passwd", True),
        ("../" * 12 + "etc/passwd", False),
        ("etc/passwd", False),  # found in `/`, an ancestor of every spec
    ],
)
def test_a_file_outside_the_tree_is_refused_not_read(
    hub: Path, value: str, with_root: bool
) -> None:
    """Issue 23: `swagger:` read any file on the machine. Now a file elsewhere, named by an
    absolute path, by `..` or found above the spec, is refused, saying where the tree is."""
    spec = hub / "workflows" / "clients" / "s.md"
    with pytest.raises(FileRefused, match=r"/etc/passwd is outside the spec tree \("):
        resolve_contract_path(value, spec, hub if with_root else None)


def test_a_symlink_out_of_the_tree_and_a_fifo_in_it_are_refused(hub: Path) -> None:
    """The tree holds real paths: a link inside pointing out is outside; a FIFO is not read."""
    (hub / "link.json").symlink_to("/proc/self/environ")
    os.mkfifo(hub / "pipe.json")
    spec = hub / "workflows" / "clients" / "s.md"
    with pytest.raises(FileRefused, match=r"proc/.*environ is outside the spec tree"):
        resolve_contract_path("link.json", spec, hub)
    with pytest.raises(FileRefused, match=r"pipe\.json is a FIFO, not a regular file"):
        resolve_contract_path("pipe.json", spec, hub)
    with pytest.raises(ContractError, match="cannot read the file: it is a FIFO"):
        Contract.from_path(hub / "pipe.json")  # checked before it is opened: no hang


@pytest.mark.parametrize(
    "value", ["", "  ", '""', "swagger/missing.json", "/Users/x/nothing/here.json"]
)
def test_nothing_resolves_to_none(hub: Path, value: str) -> None:
    """Empty values and files that exist nowhere give None, never an exception."""
    assert resolve_contract_path(value, hub / "workflows" / "clients" / "s.md", hub) is None
    assert resolve_contract_path(value, hub / "workflows" / "clients" / "s.md", None) is None


def test_without_root_the_nearest_ancestor_holding_the_file_wins(tmp_path: Path) -> None:
    """Specs nested in a project find the project's contract, not an outer copy."""
    write(tmp_path / "swagger" / "c.json", {})
    write(tmp_path / "project" / "swagger" / "c.json", {})
    (tmp_path / ".git").mkdir()  # the trees: the project, and the repository around it
    (tmp_path / "project" / "pyproject.toml").write_text("", encoding="utf-8")
    spec = tmp_path / "project" / "specs" / "deep" / "s.md"
    assert resolve_contract_path("swagger/c.json", spec, None) == (
        tmp_path / "project" / "swagger" / "c.json"
    )
    other = tmp_path / "elsewhere" / "s.md"
    assert resolve_contract_path("swagger/c.json", other, None) == tmp_path / "swagger" / "c.json"


def test_without_root_absolute_paths_use_the_tail_rule_too(hub: Path) -> None:
    """The tail rule applies to every ancestor, longest tail first."""
    write(hub / "workflows" / "clients.json", {})  # nearer, but only a bare-name match
    value = "/Users/ram.almog/Documents/GitHub/developers-hub/mcp_swagger/clients.json"
    found = resolve_contract_path(value, hub / "workflows" / "clients" / "s.md", None)
    assert found == hub / "mcp_swagger" / "clients.json"


def test_lookups_are_memoised_until_the_cache_is_cleared(hub: Path) -> None:
    """Directory lookups are remembered across specs; `clear_cache()` forgets them."""
    spec = hub / "workflows" / "clients" / "s.md"
    target = hub / "mcp_swagger" / "clients.json"
    assert resolve_contract_path("mcp_swagger/clients.json", spec, hub) == target
    target.unlink()
    assert resolve_contract_path("mcp_swagger/clients.json", spec, hub) == target
    clear_cache()
    assert resolve_contract_path("mcp_swagger/clients.json", spec, hub) is None


def test_without_root_the_current_directory_is_the_last_resort_inside_the_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spec outside the project finds contracts named relative to where we run only when
    --allow-path lets it: the current folder is not its tree."""
    project = tmp_path / "project"
    write(project / "swagger" / "c.json", {})
    monkeypatch.chdir(project)
    spec = tmp_path / "outside" / "s.md"
    with pytest.raises(FileRefused, match="is outside the spec tree"):
        resolve_contract_path("swagger/c.json", spec, None)
    allowed = SpecFiles.of([spec], None, [project])
    found = resolve_contract_path("swagger/c.json", spec, None, allowed)
    assert found == project / "swagger" / "c.json"


# --- the real corpus -----------------------------------------------------------------------

needs_corpus = pytest.mark.skipif(
    not VCITA.is_dir(), reason=f"the real vcita corpus is not at {VCITA}"
)


def front_matter(spec: Path) -> dict[str, Any]:
    lines = spec.read_text(encoding="utf-8").splitlines()
    fences = [i for i, line in enumerate(lines) if line.strip() == "---"][:2]
    data = yaml.safe_load("\n".join(lines[fences[0] + 1 : fences[1]]))
    assert isinstance(data, dict)
    return data


def corpus_specs() -> list[tuple[Path, dict[str, Any]]]:
    return [(p, front_matter(p)) for p in sorted(VCITA.glob("workflows/*/*.md"))]


@needs_corpus
def test_every_real_contract_loads() -> None:
    """All 22 contract files the real specs point at load, whatever their mess."""
    files = sorted([*VCITA.glob("swagger/**/*.json"), *VCITA.glob("mcp_swagger/*.json")])
    contracts = [load_contract(f) for f in files]
    versions = [c.version for c in contracts]
    assert len(files) == 22
    assert versions.count(ContractVersion.SWAGGER2) == 11
    assert versions.count(ContractVersion.OPENAPI30) == 8
    assert versions.count(ContractVersion.OPENAPI31) == 3
    assert sum(len(list(c.operations())) for c in contracts) == 243
    legacy = load_contract(VCITA / "swagger/communication/legacy/communication.json")
    assert legacy.base_path == "/business/communication"
    assert {c.path.name for c in contracts if c.notes} == {"legacy_v1_platform_clients.json"}


# Checked by hand in each contract: none of these paths (with its basePath) is in the file the spec
# names, so each miss is a defect of the spec or the contract, not of the matcher.
UNFOUND = {
    # The spec names manage_clients.json (basePath /business/clients); views are in crm_views.json.
    "clients/get_business_search_v1_views_uid.md": "GET /business/search/v1/views/{uid}",
    "clients/post_business_search_v1_views_bulk.md": "POST /business/search/v1/views/bulk",
    # Estimates are in legacy_v1_clients.json; the spec names manage_clients.json.
    "clients/get_platform_v1_clients_client_id_estimates.md": (
        "GET /platform/v1/clients/{client_id}/estimates"
    ),
    # In no contract at all: only /clients/payment/client_packages/{validate,update_usage} exist
    # (the spec itself says the endpoint is not implemented).
    "clients/get_platform_v1_clients_client_id_payment_client_packages.md": (
        "GET /platform/v1/clients/{client_id}/payment/client_packages"
    ),
    # No /client_api/ path is in any contract.
    "clients/post_client_api_v1_portals_business_uid_contact_submit.md": (
        "POST /client_api/v1/portals/{business_uid}/contact/submit"
    ),
    "clients/post_client_api_v1_portals_business_uid_share_documents_form_submit.md": (
        "POST /client_api/v1/portals/{business_uid}/share_documents_form/submit"
    ),
    # The spec names the v3 voice-call communication.json; sessions and channels are in
    # legacy/communication.json (basePath /business/communication).
    "communication/get_business_communication_sessions.md": "GET /business/communication/sessions",
    "communication/post_business_communication_sessions.md": (
        "POST /business/communication/sessions"
    ),
    "communication/post_business_communication_sessions_typing.md": (
        "POST /business/communication/sessions/typing"
    ),
    "communication/put_business_communication_sessions_uid.md": (
        "PUT /business/communication/sessions/{uid}"
    ),
    "communication/put_business_communication_channels_uid.md": (
        "PUT /business/communication/channels/{uid}"
    ),
    # /messages has only POST (the spec expects a 404: no index action exists).
    "communication/get_platform_v1_messages.md": "GET /platform/v1/messages",
    # Business phone numbers are in business_phone_numbers.json, not communication.json.
    "communication/get_v3_communication_business_phone_numbers.md": (
        "GET /v3/communication/business_phone_numbers"
    ),
    # The contract has /v3/communication/voice_calls/reports/voice_call_stats instead.
    "communication/get_v3_communication_reports_voice_call_stats.md": (
        "GET /v3/communication/reports/voice_call_stats"
    ),
    # Only GET /v2/conversations/{conversation_id}/messages exists, in legacy_v2_communication.json.
    "communication/post_v2_conversations_uid_messages.md": "POST /v2/conversations/{uid}/messages",
    # Activity messages are in activity_message.json, not communication.json.
    "communication/post_v3_communication_activity_messages.md": (
        "POST /v3/communication/activity_messages"
    ),
}


@needs_corpus
def test_real_specs_resolve_and_find_their_endpoints() -> None:
    """Pinned: which real specs name a contract, resolve it, and find their endpoint in it."""
    specs = corpus_specs()
    named = [(p, fm) for p, fm in specs if fm.get("swagger") is not None]
    unfound: dict[str, str] = {}
    resolved = 0
    for spec, fm in named:
        contract_path = resolve_contract_path(str(fm["swagger"]), spec, VCITA)
        assert contract_path is not None, f"{spec}: {fm['swagger']!r} did not resolve"
        assert contract_path.resolve().is_relative_to(VCITA)
        resolved += 1
        method, path = fm["endpoint"].split(None, 1)
        contract = load_contract(contract_path)
        if contract.find_operation(method, path) is None:
            unfound[spec.relative_to(VCITA / "workflows").as_posix()] = fm["endpoint"]
            assert contract.why_not_found(method, path)
    assert (len(specs), len(named), resolved) == (92, 80, 80)
    assert resolved - len(unfound) == 64
    assert unfound == UNFOUND


@needs_corpus
def test_real_absolute_paths_resolve_to_mcp_swagger() -> None:
    """The authors' `/Users/.../developers-hub/mcp_swagger/...` paths land in the corpus."""
    absolute = {
        str(fm["swagger"]): resolve_contract_path(str(fm["swagger"]), spec, VCITA)
        for spec, fm in corpus_specs()
        if str(fm.get("swagger", "")).startswith("/")
    }
    assert absolute == {
        "/Users/ram.almog/Documents/GitHub/developers-hub/mcp_swagger/clients.json": (
            VCITA / "mcp_swagger/clients.json"
        ),
        "/Users/ram.almog/Documents/GitHub/developers-hub/mcp_swagger/communication.json": (
            VCITA / "mcp_swagger/communication.json"
        ),
    }


@needs_corpus
def test_resolving_a_thousand_specs_is_fast() -> None:
    """The lookup runs once per spec; 1,000 of them must not cost seconds."""
    named = [(p, str(fm["swagger"])) for p, fm in corpus_specs() if fm.get("swagger")]
    clear_cache()
    # The corpus as its authors' checkout (a git repository) has it: its top is the spec tree.
    tree = SpecFiles((VCITA.resolve(),))
    started = time.perf_counter()
    found = [resolve_contract_path(v, p, None, tree) for p, v in (named * 13)[:1000]]
    assert time.perf_counter() - started < 1.0
    # Without a root, each spec's nearest ancestor holding the file is the corpus root itself.
    assert found[: len(named)] == [resolve_contract_path(v, p, VCITA) for p, v in named]
