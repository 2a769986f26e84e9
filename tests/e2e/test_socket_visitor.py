"""CONTRACT §5 from the visitor's side: handshake, `message`, multi-tab delivery,
payload validation, idempotency."""

from __future__ import annotations

import pytest

from support import contract
from support.clients import Tenant, Visitor, new_client_message_id, settle
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess


async def test_handshake_sends_session(chat: TenantChat, sockets: Sockets, tenant: Tenant) -> None:
    visitor = Visitor()
    http_session = await chat.session(visitor)
    tab = await sockets.visitor(tenant, visitor, url="https://shop.example/cart")
    session = tab.events("session")[0]
    assert session["conversationId"] == http_session["conversationId"]
    contract.check_expiry(session["expiresAt"])
    _, claims = contract.jwt_parts(session["token"])
    assert claims.get("tid") == tenant.tenant_id and claims.get("sub") == visitor.session_id
    # The token it hands out reads the conversation over HTTP.
    await chat.visitor_history(session["token"], sessionId=visitor.session_id)


async def test_handshake_with_its_visitor_token(
    sockets: Sockets, chat: TenantChat, tenant: Tenant
) -> None:
    visitor = Visitor()
    session = await chat.session(visitor)
    tab = await sockets.visitor(tenant, visitor, token=session["token"])
    assert tab.events("session")[0]["conversationId"] == session["conversationId"]


@pytest.mark.parametrize(
    ("auth", "codes"),
    [
        (None, {"invalid_api_key", "invalid_token"}),
        ({}, {"invalid_api_key", "invalid_token"}),
        ("pk_just_a_string", {"invalid_request", "invalid_api_key"}),
        ({"apiKey": "pk_" + "n" * 30}, {"invalid_api_key"}),
        ({"apiKey": 12345}, {"invalid_api_key", "invalid_request"}),
        ({"token": "not.a.jwt"}, {"invalid_token"}),
    ],
    ids=["none", "empty", "string", "unknown-key", "key-not-string", "bad-token"],
)
async def test_refused_handshakes_without_valid_credential(
    server: WebchatProcess, sockets: Sockets, auth, codes
) -> None:
    error = await sockets.refused(server, auth)
    assert error["code"] in codes, error


@pytest.mark.parametrize(
    "change",
    [
        {"sessionId": None},
        {"sessionId": "not-a-uuid"},
        {"sessionId": 42},
        {"fingerprint": None},
        {"fingerprint": "short"},
        {"fingerprint": "x" * 129},
        {"fingerprint": "has spaces and ünïcode"},
        {"userInfo": "not an object"},
        {"userInfo": {f"k{i}": "v" for i in range(21)}},
        {"userInfo": {"name": "n" * 257}},
        {"userInfo": {"name": {"nested": True}}},
    ],
    ids=lambda c: "-".join(f"{k}={str(v)[:12]}" for k, v in c.items()),
)
async def test_refused_visitor_handshakes_with_bad_fields(
    server: WebchatProcess, tenant: Tenant, sockets: Sockets, change
) -> None:
    auth = {"apiKey": tenant.public_key, **Visitor().identity(tenant)}
    for key, value in change.items():
        if value is None:
            auth.pop(key)
        else:
            auth[key] = value
    error = await sockets.refused(server, auth)
    assert error["code"] == "invalid_request", error


async def test_handshake_with_another_fingerprint_is_session_mismatch(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = Visitor()
    await chat.session(visitor)
    thief = Visitor(session_id=visitor.session_id)
    error = await sockets.refused(
        chat.server, {"apiKey": tenant.public_key, **thief.identity(tenant)}
    )
    assert error["code"] == "session_mismatch", error


async def test_message_ack_and_every_tab_gets_it_once(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = Visitor()
    tab1 = await sockets.visitor(tenant, visitor, label="tab1")
    tab2 = await sockets.visitor(tenant, visitor, label="tab2")
    tab3 = await sockets.visitor(tenant, visitor, label="tab3")
    cmid = new_client_message_id()
    ack = await tab1.call(
        "message", {**visitor.identity(tenant), "text": "from tab 1", "clientMessageId": cmid}
    )
    contract.check_ack_ok(ack)
    message = contract.check_message(
        ack["message"],
        sender="visitor",
        text="from tab 1",
        clientMessageId=cmid,
        sessionId=visitor.session_id,
        tenantId=tenant.tenant_id,
    )
    for tab in (tab1, tab2, tab3):
        assert await tab.wait_message(message["messageId"]) == message
    # A second message is the barrier: once it is in, a duplicate of the first would be too.
    barrier = (await chat.send(visitor, "barrier"))["message"]["messageId"]
    for tab in (tab1, tab2, tab3):
        await tab.wait_message(barrier)
    await settle()
    for tab in (tab1, tab2, tab3):
        assert tab.message_count(message["messageId"]) == 1, tab
        assert tab.message_count(barrier) == 1, tab
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["messageId"] for m in history["messages"]] == [message["messageId"], barrier]


async def test_http_message_reaches_open_tabs(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    sent = await chat.send(visitor, "sent over http")
    assert await tab.wait_message(sent["message"]["messageId"]) == sent["message"]


async def test_other_visitors_do_not_receive_it(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    alice, bob = Visitor(), Visitor()
    alice_tab = await sockets.visitor(tenant, alice, label="alice")
    bob_tab = await sockets.visitor(tenant, bob, label="bob")
    secret = (await chat.send(alice, "for alice only"))["message"]["messageId"]
    barrier = (await chat.send(bob, "bob's own"))["message"]["messageId"]
    await alice_tab.wait_message(secret)
    await bob_tab.wait_message(barrier)
    await settle()
    assert bob_tab.message_count(secret) == 0
    assert alice_tab.message_count(barrier) == 0


async def test_client_message_id_is_idempotent_over_the_socket(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    cmid = new_client_message_id()
    payload = {**visitor.identity(tenant), "text": "retry me", "clientMessageId": cmid}
    first = contract.check_ack_ok(await tab.call("message", payload))
    second = contract.check_ack_ok(await tab.call("message", payload))
    assert second["message"]["messageId"] == first["message"]["messageId"]
    # Same clientMessageId over HTTP: still the same message.
    response = await chat.public.post("/webchat/message", json=payload)
    body = contract.expect_status(response, {200, 201})
    assert body["message"]["messageId"] == first["message"]["messageId"]
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["messageId"] for m in history["messages"]] == [first["message"]["messageId"]]


async def test_http_then_socket_retry_is_one_message(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = Visitor()
    cmid = new_client_message_id()
    sent = await chat.send(visitor, "first over http", client_message_id=cmid)
    tab = await sockets.visitor(tenant, visitor)
    ack = await tab.call(
        "message", {**visitor.identity(tenant), "text": "first over http", "clientMessageId": cmid}
    )
    assert contract.check_ack_ok(ack)["message"]["messageId"] == sent["message"]["messageId"]


BAD_PAYLOADS = [
    pytest.param(None, id="none"),
    pytest.param("just text", id="string"),
    pytest.param(["text"], id="list"),
    pytest.param(7, id="number"),
    pytest.param({}, id="empty"),
    pytest.param({"text": ""}, id="empty-text"),
    pytest.param({"text": "   "}, id="blank-text"),
    pytest.param({"text": "x" * 4001}, id="long-text"),
    pytest.param({"text": 5}, id="text-number"),
    pytest.param({"text": "ok", "clientMessageId": "not-a-uuid"}, id="bad-client-id"),
]


@pytest.mark.parametrize("payload", BAD_PAYLOADS)
async def test_malformed_message_payloads_are_refused_in_the_ack(
    chat: TenantChat, sockets: Sockets, tenant: Tenant, payload
) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    if isinstance(payload, dict) and payload:
        payload = {**visitor.identity(tenant), **payload}
    ack = await tab.call("message", payload)
    contract.check_ack_error(ack, {"invalid_request"})
    # The socket is still usable and nothing was stored.
    ok = await tab.call("message", {**visitor.identity(tenant), "text": "still here"})
    contract.check_ack_ok(ok)
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["text"] for m in history["messages"]] == ["still here"]


async def test_payload_naming_another_session_is_forbidden(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor, victim = Visitor(), Visitor()
    victim_session = await chat.session(victim)
    tab = await sockets.visitor(tenant, visitor)
    ack = await tab.call("message", {**victim.identity(tenant), "text": "spoofed"})
    contract.check_ack_error(ack, "forbidden")
    ack = await tab.call(
        "message",
        {"sessionId": victim.session_id, "fingerprint": visitor.fingerprint, "text": "spoofed 2"},
    )
    contract.check_ack_error(ack, "forbidden")
    ack = await tab.call(
        "message",
        {
            **visitor.identity(tenant),
            "conversationId": victim_session["conversationId"],
            "text": "spoofed 3",
        },
    )
    if not ack.get("ok"):
        contract.check_ack_error(ack, {"forbidden", "invalid_request"})
    else:
        assert ack["message"]["conversationId"] != victim_session["conversationId"]
    ack = await tab.call("sync", {"sessionId": victim.session_id, "after": "0" * 26})
    contract.check_ack_error(ack, {"forbidden", "invalid_request"})
    history = await chat.history(sessionId=victim.session_id)
    assert history["messages"] == []


async def test_payload_with_wrong_fingerprint_is_refused(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    ack = await tab.call(
        "message",
        {"sessionId": visitor.session_id, "fingerprint": "fp_other_device_123", "text": "who am i"},
    )
    contract.check_ack_error(ack, {"session_mismatch", "forbidden"})
    history = await chat.history(sessionId=visitor.session_id)
    assert history["messages"] == []


async def test_visitor_cannot_use_agent_events(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    visitor, other = Visitor(), Visitor()
    await chat.session(other)
    tab = await sockets.visitor(tenant, visitor)
    ack = await tab.call("get_online_users", {})
    contract.check_ack_error(ack, "forbidden")
    assert tab.count("online_users_list") == 0
    ack = await tab.call_or_none("join_conversation", {"sessionId": other.session_id})
    if ack is not None:
        contract.check_ack_error(ack, "forbidden")
    # Whatever join answered, it must not have let the visitor into the other room.
    secret = (await chat.send(other, "not for you"))["message"]["messageId"]
    barrier = (await chat.send(visitor, "mine"))["message"]["messageId"]
    await tab.wait_message(barrier)
    await settle()
    assert tab.message_count(secret) == 0


async def test_unknown_events_do_not_break_the_socket(sockets: Sockets, tenant: Tenant) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    await tab.emit("no_such_event", {"x": 1})
    await tab.emit("message")  # no payload, no ack
    await tab.call_or_none("no_such_event_with_ack", {"x": 1}, timeout=2)
    ack = await tab.call("message", {**visitor.identity(tenant), "text": "alive"})
    contract.check_ack_ok(ack)
    assert tab.connected


async def test_handshake_with_another_conversations_token_is_refused(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    owner, intruder = Visitor(), Visitor()
    owner_token = (await chat.session(owner))["token"]
    error = await sockets.refused(
        chat.server,
        {"apiKey": tenant.public_key, **intruder.identity(tenant), "token": owner_token},
    )
    assert error["code"] in {"forbidden", "invalid_token"}, error


async def test_polling_transport_then_upgrade(
    chat: TenantChat, sockets: Sockets, tenant: Tenant
) -> None:
    """socket.io-client's default: long-polling first, then the websocket upgrade."""
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor, transports=("polling", "websocket"))
    polling_only = await sockets.visitor(
        tenant, visitor, transports=("polling",), label="polling only"
    )
    ack = await tab.call("message", {**visitor.identity(tenant), "text": "over polling"})
    message = contract.check_ack_ok(ack)["message"]
    await polling_only.wait_message(message["messageId"])
