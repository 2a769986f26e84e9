"""CONTRACT §2: 401 vs 403, key revocation on a running server, allowed origins,
and tenant isolation."""

from __future__ import annotations

import pytest

from support import contract
from support.clients import Agent, Tenant, Visitor, http_client, settle
from support.flows import Sockets, TenantChat, login
from support.server import WebchatProcess

VISITOR_ROUTES = ("/webchat/session", "/webchat/message")


async def test_missing_or_unknown_api_key_is_401(server: WebchatProcess, tenant: Tenant) -> None:
    visitor = Visitor()
    body = {**visitor.identity(tenant), "text": "hi"}
    variants: list[dict[str, str]] = [
        {},
        {"Authorization": "Bearer pk_" + "x" * 30},
        {"Authorization": "Bearer sk_" + "x" * 40},
        {"Authorization": "Bearer"},
        {"Authorization": f"Basic {tenant.public_key}"},
        {"Authorization": tenant.public_key},
        {"Authorization": "Bearer " + tenant.public_key + "x"},
    ]
    async with http_client(server) as http:
        for headers in variants:
            for path in VISITOR_ROUTES:
                response = await http.post(path, json=body, headers=headers)
                contract.expect_error(response, 401, {"invalid_api_key", "invalid_token"})
            response = await http.get("/api/conversations", headers=headers)
            contract.expect_error(response, 401, {"invalid_api_key", "invalid_token"})


async def test_public_key_on_agent_routes_is_403(chat: TenantChat) -> None:
    sent = await chat.send(Visitor(), "hello")
    conversation_id = sent["message"]["conversationId"]
    response = await chat.public.get("/api/conversations")
    contract.expect_error(response, 403, "forbidden")
    response = await chat.public.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "sneaky"}
    )
    contract.expect_error(response, 403, "forbidden")
    history = await chat.history(conversationId=conversation_id)
    assert [m["sender"] for m in history["messages"]] == ["visitor"]


async def test_visitor_token_is_not_an_agent_token(chat: TenantChat) -> None:
    session = await chat.session(Visitor())
    async with http_client(chat.server, session["token"]) as http:
        response = await http.get("/api/conversations")
        contract.expect_error(response, {401, 403}, {"invalid_token", "forbidden"})
        response = await http.post(
            f"/api/conversations/{session['conversationId']}/messages", json={"text": "x"}
        )
        contract.expect_error(response, {401, 403}, {"invalid_token", "forbidden"})


async def test_credentials_of_another_tenant_are_403(
    chat: TenantChat, agent: Agent, make_tenant, make_chat
) -> None:
    other = make_chat(make_tenant(chat.server))
    theirs = await other.send(Visitor(), "their conversation")
    conversation_id = theirs["message"]["conversationId"]
    async with http_client(chat.server, agent.token) as http:
        response = await http.post(
            f"/api/conversations/{conversation_id}/messages", json={"text": "cross-tenant"}
        )
        contract.expect_error(response, {403, 404}, {"forbidden", "not_found"})
        response = await http.get("/api/conversations", params={"tenantId": other.tenant.tenant_id})
        # tenantId is not a parameter of this route, but it must never widen the view.
        if response.status_code == 200:
            ids = {c["conversationId"] for c in response.json()["conversations"]}
            assert conversation_id not in ids
    response = await chat.secret.get(
        "/api/chat/messages", params={"conversationId": conversation_id}
    )
    contract.expect_error(response, {403, 404}, {"forbidden", "not_found"})
    # A visitor token of one tenant with another tenant's public key: tenant mismatch.
    response = await other.public.get(
        "/api/chat/messages",
        headers={"X-Session-Token": (await chat.session(Visitor()))["token"]},
    )
    contract.expect_error(response, 403, "forbidden")
    their_history = await other.history(conversationId=conversation_id)
    assert [m["sender"] for m in their_history["messages"]] == ["visitor"]


async def test_key_create_and_revoke_on_a_running_server(
    server: WebchatProcess, tenant: Tenant, sockets: Sockets
) -> None:
    created = server.cli("key", "create", tenant.tenant_id, "--kind", "public")
    assert created["tenantId"] == tenant.tenant_id and created["kind"] == "public", created
    key = created["key"]
    assert key.startswith("pk_") and len(key) >= 27, created
    assert created["prefix"] == key[:12], created
    visitor = Visitor()
    async with http_client(server, key) as http:
        response = await http.post("/webchat/session", json=visitor.identity(tenant))
        contract.expect_status(response, 200)
        socket = await sockets.visitor(
            Tenant(server, tenant.tenant_id, key, "", tenant.identity_secret), Visitor()
        )
        assert socket.connected
        revoked = server.cli("key", "revoke", created["prefix"])
        assert isinstance(revoked, dict), revoked
        # At once: the very next request fails, no cache period.
        response = await http.post("/webchat/session", json=visitor.identity(tenant))
        contract.expect_error(response, 401, "invalid_api_key")
        error = await sockets.refused(server, {"apiKey": key, **Visitor().identity(tenant)})
        assert error["code"] == "invalid_api_key", error
    # The tenant's other keys keep working.
    async with http_client(server, tenant.public_key) as http:
        response = await http.post("/webchat/session", json=Visitor().identity(tenant))
        contract.expect_status(response, 200)


async def test_secret_key_revoked_by_full_key(server: WebchatProcess, tenant: Tenant) -> None:
    created = server.cli("key", "create", tenant.tenant_id, "--kind", "secret")
    key = created["key"]
    assert key.startswith("sk_") and len(key) >= 35, created
    async with http_client(server, key) as http:
        contract.expect_status(await http.get("/api/conversations"), 200)
        server.cli("key", "revoke", key)
        response = await http.get("/api/conversations")
        contract.expect_error(response, 401, "invalid_api_key")


async def test_keys_shown_at_creation_look_right(tenant: Tenant) -> None:
    assert tenant.public_key.startswith("pk_") and len(tenant.public_key) >= 27
    assert tenant.secret_key.startswith("sk_") and len(tenant.secret_key) >= 35
    assert tenant.identity_secret and tenant.identity_secret not in (
        tenant.public_key,
        tenant.secret_key,
    )


GOOD = "https://shop.example.com"


@pytest.fixture
def guarded(make_tenant, server: WebchatProcess) -> Tenant:
    return make_tenant(server, allowed_origins=(GOOD, "http://localhost:5173"))


async def test_allowed_origins_on_http(guarded: Tenant, make_chat) -> None:
    chat = make_chat(guarded)
    visitor = Visitor()
    for origin in (
        "https://evil.example.com",
        "https://shop.example.com.evil.io",
        "http://shop.example.com",
        "https://shop.example.com:8443",
        "null",
    ):
        for path in VISITOR_ROUTES:
            response = await chat.public.post(
                path, json={**visitor.identity(guarded), "text": "x"}, headers={"Origin": origin}
            )
            contract.expect_error(response, 403, "forbidden_origin")
    response = await chat.public.post(
        "/webchat/session", json=visitor.identity(guarded), headers={"Origin": GOOD}
    )
    contract.expect_status(response, 200)
    response = await chat.public.post(
        "/webchat/message",
        json={**visitor.identity(guarded), "text": "ok"},
        headers={"Origin": "http://localhost:5173"},
    )
    contract.expect_status(response, 201)
    response = await chat.public.post(
        "/webchat/session", json=visitor.identity(guarded), headers={"Origin": GOOD}
    )
    token = contract.expect_status(response, 200)["token"]
    response = await chat.public.get(
        "/api/chat/messages",
        params={"sessionId": visitor.session_id},
        headers={"X-Session-Token": token, "Origin": "https://evil.example.com"},
    )
    contract.expect_error(response, 403, "forbidden_origin")
    # The rule is about public keys: the tenant's own backend is not a browser.
    response = await chat.secret.get("/api/conversations", headers={"Origin": "https://evil.io"})
    contract.expect_status(response, 200)


async def test_allowed_origins_on_socket_handshake(guarded: Tenant, sockets: Sockets) -> None:
    auth = {"apiKey": guarded.public_key, **Visitor().identity(guarded)}
    error = await sockets.refused(guarded.server, auth, headers={"Origin": "https://evil.io"})
    assert error["code"] == "forbidden_origin", error
    socket = await sockets.visitor(guarded, Visitor(), headers={"Origin": GOOD})
    assert socket.connected


async def test_tenant_without_origin_list_accepts_any_origin(chat: TenantChat) -> None:
    response = await chat.public.post(
        "/webchat/session",
        json=Visitor().identity(chat.tenant),
        headers={"Origin": "https://anywhere.example"},
    )
    contract.expect_status(response, 200)


async def test_tenants_with_equal_session_ids_never_meet(
    server: WebchatProcess, make_tenant, make_chat, make_agent, sockets: Sockets
) -> None:
    tenant_a, tenant_b = make_tenant(server), make_tenant(server)
    chat_a, chat_b = make_chat(tenant_a), make_chat(tenant_b)
    twin_a = Visitor()
    twin_b = Visitor(session_id=twin_a.session_id, fingerprint=twin_a.fingerprint)
    agent_a = make_agent(server, tenant_a)
    agent_b = make_agent(server, tenant_b)
    await login(server, agent_a)
    await login(server, agent_b)
    agent_socket_a = await sockets.agent(server, token=agent_a.token, label="agent A")
    agent_socket_b = await sockets.agent(server, token=agent_b.token, label="agent B")
    socket_a = await sockets.visitor(tenant_a, twin_a, label="visitor A")
    socket_b = await sockets.visitor(tenant_b, twin_b, label="visitor B")
    for agent_socket, twin in ((agent_socket_a, twin_a), (agent_socket_b, twin_b)):
        await agent_socket.call_or_none("join_conversation", {"sessionId": twin.session_id})

    sent_a = await chat_a.send(twin_a, "secret of A")
    sent_b = await chat_b.send(twin_b, "secret of B")
    ack = await socket_b.call("message", {**twin_b.identity(tenant_b), "text": "B over the socket"})
    contract.check_ack_ok(ack)
    id_a, id_b, id_b2 = (
        sent_a["message"]["messageId"],
        sent_b["message"]["messageId"],
        ack["message"]["messageId"],
    )
    assert sent_a["session"]["conversationId"] != sent_b["session"]["conversationId"]
    await socket_a.wait_message(id_a)
    await agent_socket_a.wait_message(id_a)
    for sock in (socket_b, agent_socket_b):
        await sock.wait_message(id_b)
        await sock.wait_message(id_b2)
    await settle()
    for sock in (socket_a, agent_socket_a):
        assert sock.message_count(id_b) == 0 and sock.message_count(id_b2) == 0, sock
    for sock in (socket_b, agent_socket_b):
        assert sock.message_count(id_a) == 0, sock

    # An agent's sync names a sessionId: its own tenant's, never the twin's.
    ack = await agent_socket_a.call("sync", {"sessionId": twin_a.session_id, "after": id_a})
    if ack.get("ok"):
        leaked = {m["messageId"] for m in ack["messages"]} & {id_b, id_b2}
        assert not leaked, f"tenant A's agent synced tenant B's messages: {leaked}"
    ack = await agent_socket_a.call(
        "sync", {"sessionId": twin_a.session_id, "after": "00000000000000000000000000"}
    )
    if ack.get("ok"):
        assert [m["messageId"] for m in ack["messages"]] == [id_a], ack

    history_a = await chat_a.history(sessionId=twin_a.session_id)
    history_b = await chat_b.history(sessionId=twin_b.session_id)
    assert [m["text"] for m in history_a["messages"]] == ["secret of A"]
    assert [m["text"] for m in history_b["messages"]] == ["secret of B", "B over the socket"]
    token_a = sent_a["session"]["token"]
    mine = await chat_a.visitor_history(token_a, sessionId=twin_a.session_id)
    assert [m["text"] for m in mine["messages"]] == ["secret of A"]
    # Tenant A's visitor token says nothing on tenant B.
    response = await chat_b.public.get(
        "/api/chat/messages",
        params={"sessionId": twin_b.session_id},
        headers={"X-Session-Token": token_a},
    )
    contract.expect_error(response, 403, "forbidden")


async def test_browsers_may_call_the_visitor_api_cross_origin(
    chat: TenantChat, guarded: Tenant, make_chat
) -> None:
    """The widget runs on the tenant's site and calls this server: CORS preflights pass,
    answers carry Access-Control-Allow-Origin; the tenant's origin list is enforced on the
    real request, where the key is known."""
    for path, method, headers in (
        ("/webchat/session", "POST", "authorization,content-type"),
        ("/webchat/message", "POST", "authorization,content-type"),
        ("/api/chat/messages", "GET", "authorization,x-session-token"),
    ):
        response = await chat.anonymous.options(
            path,
            headers={
                "Origin": GOOD,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": headers,
            },
        )
        assert response.status_code in (200, 204), f"preflight {path}: {response.status_code}"
        allow_origin = response.headers.get("access-control-allow-origin")
        assert allow_origin in (GOOD, "*"), f"preflight {path}: {dict(response.headers)}"
        allowed = response.headers.get("access-control-allow-headers", "").lower()
        for header in headers.split(","):
            assert header in allowed or allowed == "*", f"{path}: {header} not allowed: {allowed}"
    guarded_chat = make_chat(guarded)
    response = await guarded_chat.public.post(
        "/webchat/session", json=Visitor().identity(guarded), headers={"Origin": GOOD}
    )
    contract.expect_status(response, 200)
    assert response.headers.get("access-control-allow-origin") in (GOOD, "*"), response.headers
