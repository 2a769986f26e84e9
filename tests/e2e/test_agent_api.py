"""CONTRACT §4 agent login, GET /api/conversations, agent replies, conversation status."""

from __future__ import annotations

import uuid

import pytest

from support import contract
from support.clients import Agent, Tenant, Visitor, http_client, new_client_message_id
from support.flows import Sockets, TenantChat, create_agent, login
from support.server import WebchatProcess

CONVERSATION_KEYS = {
    "conversationId",
    "tenantId",
    "sessionId",
    "userId",
    "visitor",
    "status",
    "lastMessage",
    "lastActivityAt",
    "createdAt",
}


async def test_login_returns_agent_token(server: WebchatProcess, tenant: Tenant) -> None:
    agent = create_agent(server, tenant)
    token = await login(server, agent)
    header, claims = contract.jwt_parts(token)
    assert header.get("alg") in {"HS256", "EdDSA"}, header
    assert claims.get("role") == "agent" and claims.get("tid") == tenant.tenant_id, claims
    assert "exp" in claims


async def test_wrong_password_and_unknown_email_look_the_same(
    server: WebchatProcess, tenant: Tenant
) -> None:
    agent = create_agent(server, tenant)
    async with http_client(server) as http:
        wrong = await http.post(
            "/api/agent/login",
            json={"tenantId": tenant.tenant_id, "email": agent.email, "password": "nope"},
        )
        unknown = await http.post(
            "/api/agent/login",
            json={
                "tenantId": tenant.tenant_id,
                "email": "nobody@example.com",
                "password": agent.password,
            },
        )
        other_tenant = await http.post(
            "/api/agent/login",
            json={"tenantId": "no-such-tenant", "email": agent.email, "password": agent.password},
        )
    errors = [
        contract.expect_error(r, 401, {"invalid_token", "invalid_api_key", "invalid_credentials"})
        for r in (wrong, unknown, other_tenant)
    ]
    assert wrong.json() == unknown.json() == other_tenant.json(), errors


async def test_login_without_tenant_when_the_email_names_one(
    server: WebchatProcess, make_tenant
) -> None:
    """CONTRACT §13: `tenantId` may be left out when the e-mail belongs to exactly one tenant."""
    first, second = make_tenant(server), make_tenant(server)
    alone = create_agent(server, first)
    shared_email = f"shared-{uuid.uuid4().hex[:8]}@example.com"
    in_first = create_agent(server, first, email=shared_email)
    create_agent(server, second, email=shared_email, password=in_first.password)
    async with http_client(server) as http:
        ok = await http.post(
            "/api/agent/login",
            json={"email": alone.email.upper(), "password": alone.password},
        )
        ambiguous = await http.post(
            "/api/agent/login", json={"email": shared_email, "password": in_first.password}
        )
        wrong = await http.post(
            "/api/agent/login", json={"email": alone.email, "password": "not it"}
        )
        named = await http.post(
            "/api/agent/login",
            json={
                "tenantId": second.tenant_id,
                "email": shared_email,
                "password": in_first.password,
            },
        )
    body = contract.expect_status(ok, 200)
    assert body["tenantId"] == first.tenant_id, body
    assert contract.jwt_parts(body["token"])[1]["tid"] == first.tenant_id
    # Two tenants share the e-mail: refused exactly like a wrong password.
    contract.expect_error(ambiguous, 401, "invalid_credentials")
    contract.expect_error(wrong, 401, "invalid_credentials")
    assert ambiguous.json() == wrong.json()
    assert contract.jwt_parts(contract.expect_status(named, 200)["token"])[1]["tid"] == (
        second.tenant_id
    )


async def test_login_with_malformed_bodies(server: WebchatProcess, tenant: Tenant) -> None:
    async with http_client(server) as http:
        for body in (
            {},
            {"tenantId": tenant.tenant_id},
            {"email": 1, "password": [], "tenantId": tenant.tenant_id},
            [],
        ):
            response = await http.post("/api/agent/login", json=body)
            contract.expect_error(response, {400, 422}, "invalid_request")


async def test_agent_reply_reaches_visitor_and_history(
    chat: TenantChat, agent: Agent, sockets: Sockets, tenant: Tenant
) -> None:
    visitor = Visitor()
    sent = await chat.send(visitor, "help me")
    conversation_id = sent["message"]["conversationId"]
    tab = await sockets.visitor(tenant, visitor)
    async with http_client(chat.server, agent.token) as http:
        cmid = new_client_message_id()
        response = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"text": "agent here", "clientMessageId": cmid},
        )
        reply = contract.expect_status(response, 201)["message"]
        contract.check_message(
            reply,
            sender="agent",
            text="agent here",
            conversationId=conversation_id,
            tenantId=tenant.tenant_id,
            clientMessageId=cmid,
            sessionId=visitor.session_id,
        )
        pushed = await tab.wait_message(reply["messageId"])
        assert pushed == reply, "the live event and the HTTP body are the same message"
        again = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"text": "agent here", "clientMessageId": cmid},
        )
        assert (
            contract.expect_status(again, {200, 201})["message"]["messageId"] == reply["messageId"]
        )
    history = await chat.history(conversationId=conversation_id)
    assert [(m["sender"], m["text"]) for m in history["messages"]] == [
        ("visitor", "help me"),
        ("agent", "agent here"),
    ]
    mine = await chat.visitor_history(sent["session"]["token"], sessionId=visitor.session_id)
    assert [m["messageId"] for m in mine["messages"]] == [
        m["messageId"] for m in history["messages"]
    ]


async def test_secret_key_posts_as_agent(chat: TenantChat) -> None:
    sent = await chat.send(Visitor(), "hi")
    conversation_id = sent["message"]["conversationId"]
    response = await chat.secret.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "from the backend"}
    )
    reply = contract.expect_status(response, 201)["message"]
    contract.check_message(reply, sender="agent", conversationId=conversation_id)


async def test_reply_to_unknown_conversation_is_404(chat: TenantChat) -> None:
    for conversation_id in (str(uuid.uuid4()), "nope", "01J" + "0" * 23):
        response = await chat.secret.post(
            f"/api/conversations/{conversation_id}/messages", json={"text": "anyone?"}
        )
        contract.expect_error(response, {404, 400, 422}, {"not_found", "invalid_request"})


async def test_reply_body_validation(chat: TenantChat) -> None:
    sent = await chat.send(Visitor(), "hi")
    path = f"/api/conversations/{sent['message']['conversationId']}/messages"
    for body in (
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 4001},
        {"text": 5},
        {"text": "ok", "clientMessageId": "not-a-uuid"},
        ["text"],
    ):
        response = await chat.secret.post(path, json=body)
        contract.expect_error(response, {400, 422}, "invalid_request")


@pytest.fixture
def fresh(server: WebchatProcess, make_tenant, make_chat) -> TenantChat:
    return make_chat(make_tenant(server))


async def test_conversation_list_shape_and_order(fresh: TenantChat) -> None:
    alice = Visitor(user_info={"name": "Alice"})
    bob = Visitor(user_id=f"bob-{uuid.uuid4().hex[:6]}", user_info={"name": "Bob"})
    first = await fresh.send(alice, "alice 1")
    second = await fresh.send(bob, "bob 1")
    body = contract.expect_status(await fresh.secret.get("/api/conversations"), 200)
    assert "nextBefore" in body, body
    items = body["conversations"]
    assert [c["conversationId"] for c in items] == [
        second["message"]["conversationId"],
        first["message"]["conversationId"],
    ], "newest activity first"
    for item in items:
        missing = CONVERSATION_KEYS - item.keys()
        assert not missing, f"conversation lacks {sorted(missing)}: {item}"
        assert item["tenantId"] == fresh.tenant.tenant_id
        assert item["status"] == "open"
        contract.check_message(item["lastMessage"])
        contract.parse_time(item["lastActivityAt"])
        contract.parse_time(item["createdAt"])
    bob_item, alice_item = items
    assert bob_item["userId"] == bob.user_id
    assert bob_item["visitor"]["userInfo"] == {"name": "Bob"}
    assert alice_item["sessionId"] == alice.session_id and alice_item["userId"] is None
    assert alice_item["visitor"]["userInfo"] == {"name": "Alice"}
    assert alice_item["lastMessage"]["text"] == "alice 1"

    await fresh.send(alice, "alice 2")
    items = contract.expect_status(await fresh.secret.get("/api/conversations"), 200)[
        "conversations"
    ]
    assert items[0]["conversationId"] == first["message"]["conversationId"], "alice is newest now"
    assert items[0]["lastMessage"]["text"] == "alice 2"


async def test_conversation_list_pagination(fresh: TenantChat) -> None:
    ids = []
    for i in range(3):
        ids.append((await fresh.send(Visitor(), f"c{i}"))["message"]["conversationId"])
    seen = []
    before = None
    for _ in range(5):
        params = {"limit": 2, **({"before": before} if before else {})}
        body = contract.expect_status(
            await fresh.secret.get("/api/conversations", params=params), 200
        )
        assert len(body["conversations"]) <= 2
        seen += [c["conversationId"] for c in body["conversations"]]
        before = body["nextBefore"]
        if not before or not body["conversations"]:
            break
    assert seen == list(reversed(ids))


async def test_close_and_filter_by_status(fresh: TenantChat, make_agent) -> None:
    a = (await fresh.send(Visitor(), "a"))["message"]["conversationId"]
    b = (await fresh.send(Visitor(), "b"))["message"]["conversationId"]
    agent = make_agent(fresh.server, fresh.tenant)
    await login(fresh.server, agent)
    async with http_client(fresh.server, agent.token) as http:
        response = await http.patch(f"/api/conversations/{a}", json={"status": "closed"})
        contract.expect_status(response, {200, 204})
        closed = contract.expect_status(
            await http.get("/api/conversations", params={"status": "closed"}), 200
        )["conversations"]
        opened = contract.expect_status(
            await http.get("/api/conversations", params={"status": "open"}), 200
        )["conversations"]
        assert [c["conversationId"] for c in closed] == [a]
        assert closed[0]["status"] == "closed"
        assert [c["conversationId"] for c in opened] == [b]
        for bad in ({"status": "archived"}, {}, {"status": None}):
            response = await http.patch(f"/api/conversations/{a}", json=bad)
            contract.expect_error(response, {400, 422}, "invalid_request")
        response = await http.get("/api/conversations", params={"status": "bogus"})
        contract.expect_error(response, {400, 422}, "invalid_request")
        response = await http.patch(f"/api/conversations/{uuid.uuid4()}", json={"status": "open"})
        contract.expect_error(response, {404, 400, 422}, {"not_found", "invalid_request"})
        response = await http.patch(f"/api/conversations/{a}", json={"status": "open"})
        contract.expect_status(response, {200, 204})
    public = await fresh.public.patch(f"/api/conversations/{a}", json={"status": "closed"})
    contract.expect_error(public, 403, "forbidden")


async def test_conversation_list_is_per_tenant(fresh: TenantChat, chat: TenantChat) -> None:
    mine = (await fresh.send(Visitor(), "mine"))["message"]["conversationId"]
    theirs = (await chat.send(Visitor(), "theirs"))["message"]["conversationId"]
    items = contract.expect_status(await fresh.secret.get("/api/conversations"), 200)[
        "conversations"
    ]
    ids = {c["conversationId"] for c in items}
    assert mine in ids and theirs not in ids
