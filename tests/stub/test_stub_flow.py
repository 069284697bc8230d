"""The gateway's behaviour over real HTTP: lifecycles, callbacks, replays, clients, auth."""

from __future__ import annotations

import httpx
import pytest

from loadspec.stub import StubServer
from loadspec.webhooks.signing import verify_callback

from .support import GW, CallbackReceiver, create_channel, wait_status

MESSAGE = {"external_uid": "ext-1", "message": "hello", "message_uid": "msg-1"}


def test_channel_starts_pending_then_a_signed_callback_announces_activation(
    client: httpx.Client, stub: StubServer, receiver: CallbackReceiver
) -> None:
    """A new channel is pending; activation arrives as a callback signed with the secret."""
    response = client.post(
        f"{GW}/channels",
        json={"business_uid": "b1", "type": "transactional", "callback_url": receiver.url},
    )
    assert response.status_code == 201
    channel = response.json()["data"]["channel"]
    assert channel["status"] == "pending" and len(channel["uid"]) == 36
    [callback] = receiver.wait_for(lambda r: r.event["data"]["uid"] == channel["uid"])
    claims = verify_callback(callback.body, callback.headers["authorization"], stub.secret)
    assert set(claims) >= {"iat", "jti", "iss", "payload_hash"}
    assert callback.event["event"] == "channel.status"
    assert callback.event["data"] == {
        "uid": channel["uid"],
        "channel_uid": channel["uid"],
        "business_uid": "b1",
        "status": "active",
        "previous_status": "pending",
    }
    assert wait_status(client, channel["uid"], "active")["status"] == "active"


def test_message_is_created_once_then_replayed(client: httpx.Client) -> None:
    """A new message_uid is a 201; the same message again is a 200 with the same message."""
    uid = create_channel(client)
    wait_status(client, uid, "active")
    first = client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid})
    again = client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["data"]["message"]["uid"] == again.json()["data"]["message"]["uid"]
    assert first.json()["data"]["message"]["status"] == "pending"


def test_a_different_message_under_a_used_message_uid_is_a_conflict(client: httpx.Client) -> None:
    """message_uid is unique per channel: reusing it for other content is a 409 `duplicate`."""
    uid = create_channel(client)
    wait_status(client, uid, "active")
    client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid})
    clash = client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid, "message": "x"})
    assert clash.status_code == 409
    assert clash.json()["errors"][0]["code"] == "duplicate"
    other = create_channel(client)
    wait_status(client, other, "active")
    assert client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": other}).status_code == 201


def test_sending_on_a_channel_that_is_not_active_is_refused() -> None:
    """Pending and inactive channels refuse messages with 409 and the error envelope."""
    with (
        StubServer(activation_delay="60000") as slow,
        httpx.Client(base_url=slow.url, headers={"Authorization": f"Bearer {slow.token}"}) as http,
    ):
        uid = create_channel(http)
        refused = http.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid})
        assert refused.status_code == 409
        body = refused.json()
        assert body["success"] is False and body["errors"][0]["code"] == "invalid"
        assert "pending" in body["errors"][0]["message"]
        assert http.put(f"{GW}/channels/{uid}", json={"status": "active"}).status_code == 200
        assert http.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid}).status_code == 201
        http.put(f"{GW}/channels/{uid}", json={"status": "inactive"})
        other = {**MESSAGE, "channel_uid": uid, "message_uid": "msg-2"}
        assert http.post(f"{GW}/messages", json=other).status_code == 409


def test_message_status_moves_on_with_callbacks(
    client: httpx.Client, receiver: CallbackReceiver
) -> None:
    """An accepted message goes pending -> sent -> received, each step a callback."""
    uid = create_channel(client, receiver.url)
    wait_status(client, uid, "active")
    message = client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid}).json()
    found = receiver.wait_for(lambda r: r.event["event"] == "message.status", count=2)
    assert {r.event["data"]["status"] for r in found} == {"sent", "received"}
    data = found[0].event["data"]
    assert data["uid"] == message["data"]["message"]["uid"] and data["message_uid"] == "msg-1"


def test_sessions_follow_their_lifecycle(client: httpx.Client, receiver: CallbackReceiver) -> None:
    """Sessions need an active channel, start pending, activate, take typing, and delete."""
    uid = create_channel(client, receiver.url)
    session_body = {
        "business_uid": "b1",
        "channel_uid": uid,
        "contact_uid": "c1",
        "external_uid": "e1",
    }
    assert client.post(f"{GW}/sessions", json=session_body).status_code == 409
    wait_status(client, uid, "active")
    created = client.post(f"{GW}/sessions", json=session_body)
    assert created.status_code == 201
    session = created.json()["data"]["session"]
    assert session["status"] == "pending"
    receiver.wait_for(lambda r: r.event["event"] == "session.status")
    assert (
        client.post(f"{GW}/sessions/typing", json={"session_uid": session["uid"]}).status_code
        == 200
    )
    listed = client.get(f"{GW}/sessions", params={"channel_uid": uid, "business_uid": "b1"})
    assert [s["uid"] for s in listed.json()["data"]["sessions"]] == [session["uid"]]
    put = client.put(f"{GW}/sessions/{session['uid']}", json={"status": "inactive"})
    assert put.json()["data"]["session"]["status"] == "inactive"
    assert (
        client.post(f"{GW}/sessions/typing", json={"session_uid": session["uid"]}).status_code
        == 409
    )
    assert client.delete(f"{GW}/sessions/{session['uid']}").status_code == 200
    assert client.delete(f"{GW}/sessions/{session['uid']}").status_code == 404


def test_deleted_channels_are_gone(client: httpx.Client, receiver: CallbackReceiver) -> None:
    """DELETE announces `deleted`, then the channel answers 404 everywhere."""
    uid = create_channel(client, receiver.url)
    assert client.delete(f"{GW}/channels/{uid}").json() == {"success": True, "data": {}}
    receiver.wait_for(lambda r: r.event["data"]["status"] == "deleted")
    assert client.get(f"{GW}/channels/{uid}").status_code == 404
    assert client.put(f"{GW}/channels/{uid}", json={}).status_code == 404
    missing = client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid})
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "missing"


def test_clients_are_seeded_per_business_and_paged(client: httpx.Client, stub: StubServer) -> None:
    """Any business has the same seeded clients every time, paged and searchable."""

    def page(**params: object) -> list[dict[str, object]]:
        response = client.get("/platform/v1/clients", params=params)
        assert response.status_code == 200 and response.json()["status"] == "OK"
        clients: list[dict[str, object]] = response.json()["data"]["clients"]
        return clients

    first = page(business_id="biz-a")
    assert len(first) == 25 and first == page(business_id="biz-a")
    assert first != page(business_id="biz-b")
    assert page(business_id="biz-a", per_page="1")[0] == first[0]
    everyone = page(business_id="biz-a", per_page=100)
    assert len(everyone) == 30 and everyone[:25] == first
    assert page(business_id="biz-a", page=2) == everyone[25:]
    assert page(business_id="biz-a", page=99) == []
    assert page()[0]["business_uid"] == stub.business_uid
    target = first[3]
    assert target in page(business_id="biz-a", search_term=target["email"])
    on_behalf = client.get("/platform/v1/clients", headers={"X-On-Behalf-Of": "biz-a"})
    assert on_behalf.json()["data"]["clients"] == first


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "101"},
        {"page": "0"},
        {"page": "one"},
        {"per_page": ["1", "2"]},
        {"search_by": "shoe"},
    ],
)
def test_bad_client_queries_get_the_clients_error_envelope(
    client: httpx.Client, params: dict[str, object]
) -> None:
    """Out-of-range, mistyped or repeated parameters are a 422 `{status: Error, error}`."""
    response = client.get("/platform/v1/clients", params=params)
    assert response.status_code == 422
    assert response.json()["status"] == "Error" and response.json()["error"]


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer"])
def test_unknown_or_missing_tokens_get_401_in_each_apis_envelope(
    stub: StubServer, authorization: str | None
) -> None:
    """401 bodies: the gateway's `{success: false, errors}`, the clients API's `{status: Error}`."""
    headers = {} if authorization is None else {"Authorization": authorization}
    with httpx.Client(base_url=stub.url, headers=headers) as http:
        gateway = http.post(f"{GW}/channels", json={"business_uid": "b", "type": "promotional"})
        clients = http.get("/platform/v1/clients")
    assert gateway.status_code == clients.status_code == 401
    assert gateway.json()["errors"][0]["code"] == "unauthorized"
    assert gateway.json()["success"] is False
    assert clients.json()["status"] == "Error"
    assert gateway.headers["www-authenticate"].startswith("Bearer")


def test_unknown_paths_are_404_and_unknown_methods_405_with_allow(client: httpx.Client) -> None:
    """Routing answers before auth, in the gateway's envelope."""
    assert client.get(f"{GW}/nothing").status_code == 404
    response = client.patch(f"{GW}/channels/abc")
    assert response.status_code == 405 and response.headers["allow"] == "DELETE, GET, PUT"
    assert client.put(f"{GW}/sessions/typing").headers["allow"] == "POST"


def test_the_rate_limit_answers_429_with_retry_after_per_business() -> None:
    """With the contract's 8 req/s tier on, a burst past it is throttled for that business only."""
    with (
        StubServer(rate_limit=8) as limited,
        httpx.Client(
            base_url=limited.url, headers={"Authorization": f"Bearer {limited.token}"}
        ) as http,
    ):
        codes = [
            http.get("/platform/v1/clients", params={"business_id": "hot"}).status_code
            for _ in range(20)
        ]
        throttled = http.get("/platform/v1/clients", params={"business_id": "hot"})
        other = http.get("/platform/v1/clients", params={"business_id": "cold"})
    assert codes.count(200) >= 8 and 429 in codes
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) >= 1
    assert throttled.json()["status"] == "Error"
    assert other.status_code == 200


def test_failed_callbacks_are_retried_with_backoff(receiver: CallbackReceiver) -> None:
    """A callback answered 503 then 500 is delivered on the third attempt."""
    receiver.statuses[:] = [503, 500]
    with (
        StubServer(activation_delay="0", callback_backoff=0.05) as quick,
        httpx.Client(
            base_url=quick.url, headers={"Authorization": f"Bearer {quick.token}"}
        ) as http,
    ):
        create_channel(http, receiver.url)
        assert len(receiver.wait_for(lambda r: True, count=3)) == 3
        stats = quick.stats()["callbacks"]
    assert stats["delivered"] == 1 and stats["retried"] == 2


def test_callbacks_never_leave_loopback(client: httpx.Client, stub: StubServer) -> None:
    """A non-loopback callback_url is accepted by the contract but never contacted."""
    before = stub.stats()["callbacks"]["refused"]
    uid = create_channel(client, "http://example.com/hook")
    wait_status(client, uid, "active")
    assert stub.stats()["callbacks"]["refused"] == before + 1


def test_callback_events_narrow_what_a_channel_gets(
    client: httpx.Client, receiver: CallbackReceiver
) -> None:
    """Subscribed to channel.status alone: activation arrives, message steps do not."""
    uid = create_channel(client, receiver.url, callback_events=["channel.status"])
    receiver.wait_for(lambda r: r.event["event"] == "channel.status")
    client.post(f"{GW}/messages", json={**MESSAGE, "channel_uid": uid})
    assert receiver.wait_for(lambda r: r.event["event"] == "message.status", timeout=0.3) == []
    channel = client.get(f"{GW}/channels/{uid}").json()["data"]["channel"]
    assert channel["callback_events"] == ["channel.status"]
