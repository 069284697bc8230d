"""The Petstore's Done-when lines, in-process: state, credentials, request checks."""

from __future__ import annotations

from tests.mock.support import mock, send

DOG = {"name": "rex", "photoUrls": ["https://example.com/rex.png"], "status": "sold"}


def test_a_posted_pet_is_read_back_as_posted() -> None:
    """POST /pet then GET /pet/{id}: the same pet, with the id the mock gave it."""
    app = mock()
    created = send(app, "POST", "/api/v3/pet", DOG)
    assert created.status == 200
    pet = created.json
    assert {k: pet[k] for k in DOG} == DOG
    read = send(app, "GET", f"/api/v3/pet/{pet['id']}")
    assert read.status == 200
    assert read.json == pet


def test_an_operation_is_found_with_or_without_its_servers_path() -> None:
    """Specs may name `/pet` or `/api/v3/pet` (the host then carries the base path): both are
    the same operation, and the record is one."""
    app = mock()
    pet = send(app, "POST", "/pet", DOG).json
    assert send(app, "GET", f"/api/v3/pet/{pet['id']}").json == pet
    assert send(app, "GET", f"/pet/{pet['id']}").json == pet
    assert send(app, "GET", "/nowhere").status == 404


def test_two_creates_get_two_ids() -> None:
    """Each create gets its own id, of the schema's type (an integer here)."""
    app = mock()
    first = send(app, "POST", "/api/v3/pet", DOG).json["id"]
    second = send(app, "POST", "/api/v3/pet", DOG).json["id"]
    assert isinstance(first, int) and first != second


def test_a_deleted_pet_is_404() -> None:
    """After DELETE, a read of the pet is 404, naming the id."""
    app = mock()
    pid = send(app, "POST", "/api/v3/pet", DOG).json["id"]
    assert send(app, "DELETE", f"/api/v3/pet/{pid}").status == 200
    gone = send(app, "GET", f"/api/v3/pet/{pid}")
    assert gone.status == 404
    assert gone.json["errors"][0]["field"] == "path.petId"
    assert send(app, "DELETE", f"/api/v3/pet/{pid}").status == 404


def test_no_declared_credential_is_401() -> None:
    """Without the credential the operation declares (oauth2 or the api_key header): 401."""
    app = mock()
    assert send(app, "POST", "/api/v3/pet", DOG, headers={}).status == 401
    assert send(app, "GET", "/api/v3/pet/1", headers={}).status == 401
    # GET /pet/{petId} takes either scheme: the api_key header alone will do.
    assert send(app, "GET", "/api/v3/pet/1", headers={"api_key": "k"}).status == 200


def test_only_the_given_credentials_are_accepted() -> None:
    """With --credential, a credential must be one of them (a Bearer token or a key's value)."""
    app = mock(credentials=("pet-token",))
    assert send(app, "POST", "/api/v3/pet", DOG).status == 200
    assert send(app, "POST", "/api/v3/pet", DOG, {"authorization": "Bearer other"}).status == 401
    assert send(app, "GET", "/api/v3/pet/1", headers={"api_key": "pet-token"}).status == 200


def test_a_body_breaking_the_schema_is_400_naming_the_field() -> None:
    """A body without `name` and with photoUrls of the wrong type: 400, each field named."""
    app = mock()
    refused = send(app, "POST", "/api/v3/pet", {"photoUrls": 3})
    assert refused.status == 400
    errors = {(e["rule"], e["field"]) for e in refused.json["errors"]}
    assert errors == {("required", "$.name"), ("type", "$.photoUrls")}


def test_bad_json_and_a_missing_body_are_400() -> None:
    app = mock()
    assert send(app, "POST", "/api/v3/pet", b"{not json").json["errors"][0]["rule"] == "json"
    assert send(app, "POST", "/api/v3/pet", b"").json["errors"][0]["rule"] == "required"


def test_parameters_are_checked() -> None:
    """A path parameter of the wrong type and a query value outside its enum: 400."""
    app = mock()
    wrong = send(app, "GET", "/api/v3/pet/abc")
    assert (wrong.status, wrong.json["errors"][0]["field"]) == (400, "path.petId")
    enum = send(app, "GET", "/api/v3/pet/findByStatus?status=lost")
    assert (enum.status, enum.json["errors"][0]["rule"]) == (400, "enum")


def test_an_update_changes_the_record() -> None:
    """PUT /pet naming the pet's id changes it; the next read shows the change."""
    app = mock()
    pet = send(app, "POST", "/api/v3/pet", DOG).json
    changed = send(app, "PUT", "/api/v3/pet", {**pet, "name": "max"})
    assert changed.json["name"] == "max"
    assert send(app, "GET", f"/api/v3/pet/{pet['id']}").json["name"] == "max"


def test_an_id_the_mock_listed_is_found() -> None:
    """A list with nothing stored answers generated items; each is then found by its id."""
    app = mock()
    listed = send(app, "GET", "/api/v3/pet/findByStatus?status=available").json
    assert listed and all("id" in pet for pet in listed)


def test_unknown_paths_and_methods() -> None:
    app = mock()
    assert send(app, "GET", "/api/v3/nothing").status == 404
    refused = send(app, "PATCH", "/api/v3/pet")
    assert refused.status == 405
    assert refused.headers[b"allow"] == b"POST, PUT"


def test_reset_forgets_every_record() -> None:
    """POST /__loadspec/reset: the records are gone (an id read again is made anew)."""
    app = mock()
    pet = send(app, "POST", "/api/v3/pet", {**DOG, "name": "kept"}).json
    assert send(app, "POST", "/__loadspec/reset").json == {"reset": True, "forgotten": 1}
    assert send(app, "GET", f"/api/v3/pet/{pet['id']}").json["name"] != "kept"


def test_examples_come_first() -> None:
    """An operation with an example answers it as documented."""
    app = mock()
    inventory = send(app, "GET", "/api/v3/store/inventory", headers={"api_key": "k"})
    assert inventory.json == {"available": 7, "sold": 2}


def test_lenient_serves_a_broken_request_and_names_what_it_breaks() -> None:
    """--lenient: a body without `name` is created anyway, the problem in a header; the
    value of the wrong type is not kept (the answer still holds to the contract)."""
    app = mock(lenient=True)
    created = send(app, "POST", "/api/v3/pet", {"photoUrls": 3, "status": "sold"})
    assert created.status == 200
    assert created.json["status"] == "sold"
    assert isinstance(created.json["photoUrls"], list)
    said = created.headers[b"x-loadspec-mock-problems"]
    assert b"'name' is a required property" in said and b"not of type 'array'" in said
    assert send(app, "POST", "/api/v3/pet", DOG, headers={}).status == 401
