"""CONTRACT §4 GET /api/chat/messages: credentials, scoping and cursor pagination."""

from __future__ import annotations

import time

import pytest

from support import contract
from support.clients import Agent, Visitor, http_client
from support.flows import TenantChat


@pytest.fixture
async def five(chat: TenantChat) -> tuple[Visitor, dict, list[dict]]:
    """A visitor with five messages; returns (visitor, session, messages oldest first)."""
    visitor = Visitor()
    messages = []
    body = None
    for i in range(5):
        body = await chat.send(visitor, f"message {i}")
        messages.append(body["message"])
    assert body is not None
    return visitor, body["session"], messages


async def test_visitor_reads_own_history_with_its_token(chat: TenantChat, five) -> None:
    visitor, session, messages = five
    body = await chat.visitor_history(session["token"], sessionId=visitor.session_id)
    assert [m["messageId"] for m in body["messages"]] == [m["messageId"] for m in messages]
    body = await chat.visitor_history(
        session["token"], sessionId=visitor.session_id, tenantId=chat.tenant.tenant_id
    )
    assert len(body["messages"]) == 5


async def test_secret_key_reads_any_history(chat: TenantChat, five) -> None:
    visitor, session, messages = five
    by_session = await chat.history(sessionId=visitor.session_id)
    by_conversation = await chat.history(conversationId=session["conversationId"])
    by_tenant = await chat.history(sessionId=visitor.session_id, tenantId=chat.tenant.tenant_id)
    expected = [m["messageId"] for m in messages]
    for body in (by_session, by_conversation, by_tenant):
        assert [m["messageId"] for m in body["messages"]] == expected
        assert body["nextBefore"] is None or isinstance(body["nextBefore"], str)


async def test_agent_token_reads_any_history(chat: TenantChat, agent: Agent, five) -> None:
    visitor, _, messages = five
    async with http_client(chat.server, agent.token) as http:
        body = await chat.history(http, sessionId=visitor.session_id)
    assert [m["messageId"] for m in body["messages"]] == [m["messageId"] for m in messages]


async def test_public_key_alone_cannot_read_history(chat: TenantChat, five) -> None:
    visitor, _, _ = five
    response = await chat.public.get("/api/chat/messages", params={"sessionId": visitor.session_id})
    contract.expect_error(response, 401, {"invalid_token", "invalid_api_key"})


async def test_garbage_or_forged_session_token_is_401(chat: TenantChat, five) -> None:
    visitor, session, _ = five
    _, claims = contract.jwt_parts(session["token"])
    forged = [
        "not-a-jwt",
        contract.forge_jwt({"alg": "none", "typ": "JWT"}, claims),
        contract.forge_jwt({"alg": "HS256", "typ": "JWT"}, claims, key=b"guessed-secret"),
        contract.forge_jwt(
            {"alg": "HS256", "typ": "JWT"}, {**claims, "exp": int(time.time()) - 10}, b"k"
        ),
        session["token"][:-4] + ("AAAA" if not session["token"].endswith("AAAA") else "BBBB"),
    ]
    for token in forged:
        response = await chat.public.get(
            "/api/chat/messages",
            params={"sessionId": visitor.session_id},
            headers={"X-Session-Token": token},
        )
        contract.expect_error(response, 401, "invalid_token")


async def test_visitor_token_cannot_read_another_conversation(chat: TenantChat, five) -> None:
    victim, victim_session, _ = five
    attacker = Visitor()
    attacker_session = await chat.session(attacker)
    for query in (
        {"sessionId": victim.session_id},
        {"conversationId": victim_session["conversationId"]},
    ):
        response = await chat.public.get(
            "/api/chat/messages",
            params=query,
            headers={"X-Session-Token": attacker_session["token"]},
        )
        contract.expect_error(response, 403, "forbidden")


async def test_tenant_id_must_be_the_credentials_tenant(
    chat: TenantChat, five, make_tenant
) -> None:
    visitor, session, _ = five
    other = make_tenant(chat.server)
    response = await chat.secret.get(
        "/api/chat/messages",
        params={"sessionId": visitor.session_id, "tenantId": other.tenant_id},
    )
    contract.expect_error(response, 403, "forbidden")
    response = await chat.public.get(
        "/api/chat/messages",
        params={"sessionId": visitor.session_id, "tenantId": other.tenant_id},
        headers={"X-Session-Token": session["token"]},
    )
    contract.expect_error(response, 403, "forbidden")


async def test_pagination_walks_back_from_the_newest(chat: TenantChat, five) -> None:
    visitor, _, messages = five
    ids = [m["messageId"] for m in messages]
    first = await chat.history(sessionId=visitor.session_id, limit=2)
    assert [m["messageId"] for m in first["messages"]] == ids[3:], "newest page, oldest first"
    assert first["nextBefore"], "more messages exist: nextBefore must be set"
    second = await chat.history(sessionId=visitor.session_id, limit=2, before=first["nextBefore"])
    assert [m["messageId"] for m in second["messages"]] == ids[1:3]
    assert second["nextBefore"]
    third = await chat.history(sessionId=visitor.session_id, limit=2, before=second["nextBefore"])
    assert [m["messageId"] for m in third["messages"]] == ids[:1]
    if third["nextBefore"]:
        fourth = await chat.history(
            sessionId=visitor.session_id, limit=2, before=third["nextBefore"]
        )
        assert fourth["messages"] == [] and not fourth["nextBefore"]
    whole = await chat.all_messages(sessionId=visitor.session_id, limit=2)
    assert [m["messageId"] for m in whole] == ids


async def test_limit_default_and_maximum(chat: TenantChat) -> None:
    visitor = Visitor()
    for i in range(52):
        await chat.send(visitor, f"n{i}")
    default = await chat.history(sessionId=visitor.session_id)
    assert len(default["messages"]) == 50, "default limit is 50"
    assert default["messages"][-1]["text"] == "n51"
    assert default["nextBefore"]
    full = await chat.history(sessionId=visitor.session_id, limit=200)
    assert len(full["messages"]) == 52
    for bad in (201, 0, -1, "ten", 1.5):
        response = await chat.secret.get(
            "/api/chat/messages", params={"sessionId": visitor.session_id, "limit": bad}
        )
        contract.expect_error(response, {400, 422}, "invalid_request")


async def test_bad_query_values(chat: TenantChat, five) -> None:
    visitor, _, _ = five
    for params in (
        {"sessionId": "not-a-uuid"},
        {"sessionId": visitor.session_id, "before": "definitely not an id"},
        {"sessionId": visitor.session_id, "tenantId": "Bad Tenant!"},
    ):
        response = await chat.secret.get("/api/chat/messages", params=params)
        contract.expect_error(response, {400, 422, 403}, {"invalid_request", "forbidden"})


async def test_unknown_conversation_is_empty_or_404(chat: TenantChat) -> None:
    response = await chat.secret.get(
        "/api/chat/messages", params={"sessionId": contract.new_session_id()}
    )
    if response.status_code == 200:
        assert response.json()["messages"] == []
    else:
        contract.expect_error(response, 404, "not_found")
