"""Any API: credentials from the contract's security, base paths, rows named by operation.

The contract is the OpenAPI 3 Petstore (`tests/data/petstore/`: servers path /api/v3, the
`api_key` and `petstore_auth` schemes); its specs name no token.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loadspec.contract.lookup import Contract, load_contract
from loadspec.errors import ConfigError
from loadspec.inputs.api_validation import load_api_validation_config
from loadspec.inputs.credentials import Credentials, Sent
from loadspec.language import CheckOptions, SpecResult, load_specs, load_text
from loadspec.language.model import Spec, TokenType
from loadspec.language.operations import spec_operations
from loadspec.locust.preflight import check_base_paths, known_rows, row_spellings
from loadspec.runtime.compiled import CompiledSpec, compile_spec
from loadspec.runtime.engine import SpecRunner
from loadspec.runtime.needs import missing_credentials
from loadspec.security import KeyPlace, SchemeKind
from loadspec.verdicts.thresholds import check_rows, parse_threshold
from tests.conftest import DATA
from tests.petstore_server import API_KEY, BASE, PETSTORE_AUTH, PetstoreServer
from tests.runtime.support import RecordingTransport

PETSTORE = DATA / "petstore"
SPECS = PETSTORE / "specs"
BOTH = Credentials.configured(
    {},
    {"LOADSPEC_CREDENTIAL_API_KEY": API_KEY, "LOADSPEC_CREDENTIAL_PETSTORE_AUTH": PETSTORE_AUTH},
)


@pytest.fixture(scope="module")
def petstore() -> Contract:
    return load_contract(PETSTORE / "openapi.yaml")


@pytest.fixture(scope="module")
def server() -> Iterator[PetstoreServer]:
    with PetstoreServer() as running:
        yield running


def compiled_specs() -> list[CompiledSpec]:
    specs = [r.unwrap() for r in load_specs([SPECS], CheckOptions())]
    operations = spec_operations(specs, None)
    return [compile_spec(spec, operations.known(spec)) for spec in specs]


def by_name(specs: list[CompiledSpec], stem: str) -> CompiledSpec:
    return next(c for c in specs if c.spec.path.stem == stem)


# --- the contract's schemes ---------------------------------------------------------------


def test_each_operation_declares_its_schemes(petstore: Contract) -> None:
    """Operation-level `security` lists alternatives; no `security` at all is anonymous."""
    get_pet = petstore.find_operation("GET", "/pet/{x}")
    assert get_pet is not None and get_pet.security is not None
    (api_key,), (oauth,) = get_pet.security.alternatives
    assert (api_key.name, api_key.kind, api_key.place, api_key.param) == (
        "api_key",
        SchemeKind.API_KEY,
        KeyPlace.HEADER,
        "api_key",
    )
    assert (oauth.name, oauth.kind, oauth.variable) == (
        "petstore_auth",
        SchemeKind.BEARER,
        "LOADSPEC_CREDENTIAL_PETSTORE_AUTH",
    )
    login = petstore.find_operation("GET", "/user/login")
    assert login is not None and login.security is not None and login.security.anonymous


def test_the_first_alternative_with_every_secret_is_sent(petstore: Contract) -> None:
    """api_key before petstore_auth; petstore_auth alone when api_key has no secret."""
    get_pet = petstore.find_operation("GET", "/pet/1")
    assert get_pet is not None and get_pet.security is not None
    assert BOTH.for_security(get_pet.security, TokenType.STAFF) == Sent(
        headers={"api_key": API_KEY}
    )
    oauth_only = Credentials.configured({}, {"LOADSPEC_CREDENTIAL_PETSTORE_AUTH": "t0k3n-t0k3n"})
    sent = oauth_only.for_security(get_pet.security, TokenType.STAFF)
    assert sent == Sent(headers={"Authorization": "Bearer t0k3n-t0k3n"})
    assert Credentials.configured({}, {}).for_security(get_pet.security, None) == (
        "needs api_key (apiKey in header api_key): set LOADSPEC_CREDENTIAL_API_KEY or "
        "petstore_auth (oauth2): set LOADSPEC_CREDENTIAL_PETSTORE_AUTH"
    )


def test_basic_query_and_cookie_keys_and_swagger2_definitions(tmp_path: Path) -> None:
    """Swagger 2 `securityDefinitions`: basic from `user:password`, keys in query and cookie;
    a scheme that cannot be sent is named."""
    doc = {
        "swagger": "2.0",
        "basePath": "/v1",
        "securityDefinitions": {
            "basic": {"type": "basic"},
            "q": {"type": "apiKey", "in": "query", "name": "key"},
            "c": {"type": "apiKey", "in": "cookie", "name": "session"},
        },
        "security": [{"basic": []}],
        "paths": {
            "/a": {"get": {"responses": {}}},
            "/b": {"get": {"security": [{"q": [], "c": []}], "responses": {}}},
            "/c": {"get": {"security": [{"mtls": []}], "responses": {}}},
        },
    }
    contract = Contract.from_dict(doc, tmp_path / "c.json")
    given = {
        "LOADSPEC_CREDENTIAL_BASIC": "ann:s3cret-pw",
        "LOADSPEC_CREDENTIAL_Q": "query-key-1",
        "LOADSPEC_CREDENTIAL_C": "cookie-key-2",
    }
    credentials = Credentials.configured({}, given)
    security = [contract.find_operation("GET", p).security for p in ("/a", "/v1/b", "/c")]
    assert all(s is not None for s in security)
    basic, keys, mtls = security
    assert basic is not None and keys is not None and mtls is not None
    assert credentials.for_security(basic, None) == Sent(
        headers={"Authorization": "Basic YW5uOnMzY3JldC1wdw=="}
    )
    assert credentials.for_security(keys, None) == Sent(
        params={"key": "query-key-1"}, cookies={"session": "cookie-key-2"}
    )
    assert credentials.for_security(mtls, None) == (
        "needs a credential (cannot be sent: mtls: not declared)"
    )
    assert "s3cret-pw" in credentials.secrets  # the password alone is masked too


def test_a_contract_that_never_says_who_needs_a_scheme_leaves_the_token(tmp_path: Path) -> None:
    """Schemes listed but no `security` anywhere (the authors' legacy files): the spec's token
    (staff) decides, as before; a lone bearer scheme without its own secret takes that token."""
    doc = {
        "openapi": "3.0.3",
        "components": {"securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {"/a": {"get": {"responses": {}}}},
    }
    silent = Contract.from_dict(doc, tmp_path / "silent.json")
    assert silent.find_operation("GET", "/a").security is None  # type: ignore[union-attr]
    declared = Contract.from_dict({**doc, "security": [{"Bearer": []}]}, tmp_path / "d.json")
    security = declared.find_operation("GET", "/a").security  # type: ignore[union-attr]
    assert security is not None
    staff = Credentials({TokenType.STAFF: "staff-token-1"})
    assert staff.for_security(security, TokenType.STAFF) == Sent(
        headers={"Authorization": "Bearer staff-token-1"}
    )


# --- the specs: validate, run, rows -----------------------------------------------------


def test_petstore_specs_validate_and_warn_about_a_missing_key() -> None:
    """0 errors; without LOADSPEC_CREDENTIAL_API_KEY each step that needs it is warned about,
    with its line, the scheme and the variable."""
    results = load_specs([SPECS], CheckOptions(credentials=frozenset()))
    assert not [p for r in results for p in r.errors]
    warnings = sorted(str(p) for r in results for p in r.warnings)
    assert warnings == [
        f"{SPECS / 'get_pet.md'}:35: warning: step main_request: GET /pet/{{petId}} needs "
        "api_key (apiKey in header api_key): set LOADSPEC_CREDENTIAL_API_KEY or petstore_auth "
        "(oauth2): set LOADSPEC_CREDENTIAL_PETSTORE_AUTH",
        f"{SPECS / 'store_inventory.md'}:18: warning: step main_request: GET /store/inventory "
        "needs api_key (apiKey in header api_key): set LOADSPEC_CREDENTIAL_API_KEY",
    ]
    given = frozenset({"LOADSPEC_CREDENTIAL_API_KEY"})
    assert not [p for r in load_specs([SPECS], CheckOptions(credentials=given)) for p in r.problems]


def test_each_request_carries_the_scheme_its_operation_declares(server: PetstoreServer) -> None:
    """Against a server that is not ours, under its servers path: what it received."""
    for compiled in compiled_specs():
        transport = RecordingTransport(server.url + BASE + "/")
        runner = SpecRunner(compiled, transport, BOTH, {})
        assert runner.iteration(), transport.failures()
    received = {(r.operation, r.authorization, r.api_key, r.status) for r in server.received}
    assert received == {
        ("POST /pet", f"Bearer {PETSTORE_AUTH}", None, 200),
        ("GET /pet/{petId}", None, API_KEY, 200),
        ("GET /store/inventory", None, API_KEY, 200),
        ("GET /user/login", None, None, 200),
    }


def test_rows_are_named_by_the_contract_operation() -> None:
    """One row per operation, the contract's spelling; the path template is another name."""
    specs = compiled_specs()
    get_pet = by_name(specs, "get_pet")
    assert [s.name for s in get_pet.prerequisites + get_pet.test_request] == [
        "POST /pet",
        "GET /pet/{petId}",
    ]
    assert "GET /pet/{{pet_id}}" in get_pet.test_request[0].other_names
    assert "GET /api/v3/pet/{petId}" in get_pet.test_request[0].other_names


def test_a_threshold_on_the_operation_works_and_the_template_is_told_it(tmp_path: Path) -> None:
    """`GET /pet/{petId}` is a row; `GET /pet/{{pet_id}}` and the base-path spelling are not,
    and each is told the row's name."""

    specs = compiled_specs()
    rows, spellings = known_rows(specs), row_spellings(specs)
    check_rows([parse_threshold("GET /pet/{petId}: p95 < 500")], rows, spellings)
    check_rows([parse_threshold("/pet/{petId}: p95 < 500")], rows, spellings)
    for other in ("GET /pet/{{pet_id}}", "GET /api/v3/pet/{petId}"):
        with pytest.raises(ConfigError, match=r"did you mean 'GET /pet/\{petId\}'\?"):
            check_rows([parse_threshold(f"{other}: p95 < 500")], rows, spellings)


def test_a_missing_credential_names_spec_step_scheme_and_variable() -> None:
    """Before the run: one line per missing credential, file:line, step, scheme, variable."""
    only_oauth = Credentials.configured({}, {"LOADSPEC_CREDENTIAL_PETSTORE_AUTH": "t0k3n-t0k3n"})
    assert missing_credentials(compiled_specs(), only_oauth) == [
        f"{SPECS / 'store_inventory.md'}:18: step main_request: GET /store/inventory needs "
        "api_key (apiKey in header api_key): set LOADSPEC_CREDENTIAL_API_KEY"
    ]


# --- the spec's own choice ----------------------------------------------------------------


def _spec(front: str, step: str = "") -> Spec:
    text = (
        f'---\nendpoint: "GET /pet/{{petId}}"\nswagger: {PETSTORE / "openapi.yaml"}\n{front}'
        f"---\n# T\n## Test Request\n```yaml\nsteps:\n  - id: main_request\n    method: GET\n"
        f"    path: /pet/1\n{step}```\n"
    )
    result: SpecResult = load_text(text, SPECS / "inline.md", CheckOptions())
    assert result.ok, result.problems
    return result.unwrap()


def _sent(spec: Spec, credentials: Credentials) -> dict[str, str]:
    operations = spec_operations([spec], None)
    transport = RecordingTransport("http://127.0.0.1:9")
    runner = SpecRunner(compile_spec(spec, operations.known(spec)), transport, credentials, {})
    call = runner._call(runner.spec.test_request[0], runner._context())
    return dict(call.headers)


@pytest.mark.parametrize(
    ("front", "step", "expected"),
    [
        ("", "", {"api_key": API_KEY}),  # the contract decides
        ("tokens: []\n", "", {}),  # no credential
        ("tokens: [staff]\n", "", {"api_key": API_KEY}),  # the authors' list decides nothing
        ("token: apikey\n", "", {"Authorization": "Bearer any-name-token"}),  # spec default
        ("token: apikey\n", "    token: none\n", {}),  # the step's own wins
        ("", "    token: staff\n", {"Authorization": "Bearer staff-token-1"}),
        ("", "    token: admin\n", {"Authorization": "Admin admin-token-2"}),
    ],
)
def test_the_specs_own_token_choice_wins(front: str, step: str, expected: dict[str, str]) -> None:
    """`token:` (step, then front matter) and `tokens: []` decide before the contract; any
    token type name is open (`LOADSPEC_TOKEN_APIKEY`)."""
    env = {
        "LOADSPEC_CREDENTIAL_API_KEY": API_KEY,
        "LOADSPEC_TOKEN_STAFF": "staff-token-1",
        "LOADSPEC_TOKEN_ADMIN": "admin-token-2",
        "LOADSPEC_TOKEN_APIKEY": "any-name-token",
    }
    assert _sent(_spec(front, step), Credentials.configured({}, env)) == expected


def test_a_near_miss_token_type_is_warned_about() -> None:
    """`staf` is a type of its own (open names), but looks like a typo of `staff`."""
    text = (
        '---\nendpoint: "GET /a"\n---\n# T\n## Test Request\n```yaml\nsteps:\n'
        "  - id: main_request\n    method: GET\n    path: /a\n    token: staf\n```\n"
    )
    result = load_text(text, Path("inline.md"), CheckOptions(contracts=False))
    assert result.ok
    assert [p.message for p in result.warnings] == [
        "token type 'staf' is none of the authors' (did you mean 'staff'?); it is sent from "
        "LOADSPEC_TOKEN_STAF"
    ]


# --- base paths ---------------------------------------------------------------------------


def test_a_spec_may_carry_the_servers_path_but_not_twice() -> None:
    """`/api/v3/pet/1` matches the contract (row `GET /api/v3/pet/{petId}`); with a --host
    that ends with /api/v3 too, the run is refused before it sends `/api/v3/api/v3/...`."""
    text = (
        f'---\nendpoint: "GET /api/v3/pet/{{petId}}"\nswagger: {PETSTORE / "openapi.yaml"}\n'
        "---\n# T\n## Test Request\n```yaml\nsteps:\n  - id: main_request\n    method: GET\n"
        "    path: /api/v3/pet/1\n```\n"
    )
    result = load_text(text, SPECS / "inline.md", CheckOptions())
    assert result.ok and result.problems == (), result.problems
    spec = result.unwrap()
    compiled = compile_spec(spec, spec_operations([spec], None).known(spec))
    assert compiled.test_request[0].name == "GET /api/v3/pet/{petId}"
    check_base_paths("http://127.0.0.1:8080/", [compiled])
    check_base_paths("http://127.0.0.1:8080/api/v3", compiled_specs())
    with pytest.raises(ConfigError, match=r"inline.md:\d+: step main_request: its path "):
        check_base_paths("http://127.0.0.1:8080/api/v3/", [compiled])


def test_messages_use_the_contracts_own_word_for_its_base_path(petstore: Contract) -> None:
    """OpenAPI 3 says "servers path" (Swagger 2 says "basePath", tests/test_contract.py)."""
    assert petstore.why_not_found("GET", "/pets/{x}") == (
        "none of its 4 paths (under its servers path /api/v3, which may be left out) matches; "
        "did you mean GET /pet/{petId}?"
    )


def test_the_authors_configuration_gives_scheme_secrets_too(tmp_path: Path) -> None:
    """A `tokens` entry named like a scheme is its secret; the variable wins; URLs are no
    credential; every secret is masked."""
    (tmp_path / "tokens.json").write_text(
        '{"tokens": {"staff": "staff-token-1", "api_key": "from-config-key",'
        ' "petstore_auth": "from-config-oauth", "admin_url": "https://x.invalid/a"}}'
    )
    config = load_api_validation_config(tmp_path)
    env = {"LOADSPEC_CREDENTIAL_PETSTORE_AUTH": PETSTORE_AUTH}
    credentials = Credentials.configured(config.tokens, env)
    assert credentials.schemes == {
        "staff": "staff-token-1",
        "api_key": "from-config-key",
        "petstore_auth": PETSTORE_AUTH,
    }
    assert "https://x.invalid/a" not in credentials.secrets
    assert {"from-config-key", PETSTORE_AUTH, "staff-token-1"} <= set(credentials.secrets)
    assert "LOADSPEC_CREDENTIAL_API_KEY" in credentials.variables
