"""CONTRACT §6: several `webchat serve` processes on one Redis and one database behave
as one; `--role api` + `--role realtime` split the seed's API and WebSocket servers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from support import contract
from support.clients import SocketClient, Tenant, Visitor, http_client, settle
from support.flows import Sockets, TenantChat, create_agent, create_tenant, login
from support.server import WebchatProcess

pytestmark = pytest.mark.real_only


@dataclass
class Pair:
    a: WebchatProcess
    b: WebchatProcess


@pytest.fixture(scope="module")
def pair(launcher, backend: str) -> Iterator[Pair]:
    group = launcher.group(backend)
    a = launcher.start(group=group, name="node-a")
    b = launcher.start(group=group, name="node-b")
    yield Pair(a, b)
    launcher.release(a)
    launcher.release(b)
    launcher.release_group(group)


@pytest.fixture
def shared(pair: Pair) -> Tenant:
    return create_tenant(pair.a)


async def online(agent: SocketClient) -> dict[str, int]:
    ack = await agent.call("get_online_users", {})
    users = ack.get("users") if isinstance(ack, dict) else None
    if users is None:
        users = (await agent.wait_for("online_users_list"))["users"]
    return {u["sessionId"]: u["tabs"] for u in users}


async def test_message_through_one_node_reaches_sockets_on_the_other(
    pair: Pair, shared: Tenant, sockets: Sockets, make_chat
) -> None:
    chat_a = make_chat(shared, pair.a)
    visitor = Visitor()
    tab_b = await sockets.visitor(shared, visitor, server=pair.b, label="tab on B")
    tab_a = await sockets.visitor(shared, visitor, server=pair.a, label="tab on A")
    agent_a = await sockets.agent(pair.a, api_key=shared.secret_key, label="agent on A")
    agent_b = await sockets.agent(pair.b, api_key=shared.secret_key, label="agent on B")

    via_http_a = (await chat_a.send(visitor, "HTTP on A"))["message"]
    ack = await tab_b.call("message", {**visitor.identity(shared), "text": "socket on B"})
    via_socket_b = contract.check_ack_ok(ack)["message"]
    for sock in (tab_a, tab_b, agent_a, agent_b):
        for message in (via_http_a, via_socket_b):
            assert await sock.wait_message(message["messageId"]) == message
    await settle()
    for sock in (tab_a, tab_b, agent_a, agent_b):
        for message in (via_http_a, via_socket_b):
            assert sock.message_count(message["messageId"]) == 1, sock


async def test_agent_reply_on_one_node_reaches_visitor_on_the_other(
    pair: Pair, shared: Tenant, sockets: Sockets, make_chat
) -> None:
    chat_a, chat_b = make_chat(shared, pair.a), make_chat(shared, pair.b)
    visitor = Visitor()
    sent = await chat_b.send(visitor, "hello from B")
    tab_a = await sockets.visitor(shared, visitor, server=pair.a)
    agent = create_agent(pair.a, shared)
    token = await login(pair.b, agent)  # token from B, used on A: one JWT secret
    async with http_client(pair.a, token) as http:
        response = await http.post(
            f"/api/conversations/{sent['message']['conversationId']}/messages",
            json={"text": "reply via A"},
        )
        reply = contract.expect_status(response, 201)["message"]
    await tab_a.wait_message(reply["messageId"])
    # The visitor token from B reads history on A.
    history = await chat_a.visitor_history(sent["session"]["token"], sessionId=visitor.session_id)
    assert [m["text"] for m in history["messages"]] == ["hello from B", "reply via A"]


async def test_presence_agrees_on_both_nodes(pair: Pair, shared: Tenant, sockets: Sockets) -> None:
    agent_a = await sockets.agent(pair.a, api_key=shared.secret_key, label="agent on A")
    agent_b = await sockets.agent(pair.b, api_key=shared.secret_key, label="agent on B")
    visitor = Visitor()

    def about(e) -> bool:
        return isinstance(e, dict) and e.get("sessionId") == visitor.session_id

    tab_b = await sockets.visitor(shared, visitor, server=pair.b, label="tab on B")
    await agent_a.wait_for("user_online", about)
    await agent_b.wait_for("user_online", about)
    assert (await online(agent_a)).get(visitor.session_id) == 1
    assert (await online(agent_b)).get(visitor.session_id) == 1

    tab_a = await sockets.visitor(shared, visitor, server=pair.a, label="tab on A")
    assert (await online(agent_a)).get(visitor.session_id) == 2
    assert (await online(agent_b)).get(visitor.session_id) == 2

    await tab_b.close()
    assert (await online(agent_a)).get(visitor.session_id) == 1
    assert (await online(agent_b)).get(visitor.session_id) == 1
    await tab_a.close()
    await agent_a.wait_for("user_offline", about)
    await agent_b.wait_for("user_offline", about)
    assert visitor.session_id not in await online(agent_a)
    assert visitor.session_id not in await online(agent_b)
    await settle()
    for agent in (agent_a, agent_b):
        assert agent.count("user_online", about) == 1, agent.events("user_online")
        assert agent.count("user_offline", about) == 1, agent.events("user_offline")


async def test_typing_crosses_nodes(pair: Pair, shared: Tenant, sockets: Sockets) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(shared, visitor, server=pair.a)
    agent = await sockets.agent(pair.b, api_key=shared.secret_key)
    await agent.call_or_none("join_conversation", {"sessionId": visitor.session_id})
    await tab.emit("typing", {"sessionId": visitor.session_id, "isTyping": True})
    await agent.wait_for("typing", lambda d: d.get("sessionId") == visitor.session_id)
    await agent.emit("typing", {"sessionId": visitor.session_id, "isTyping": True})
    await tab.wait_for("typing")


async def test_idempotency_spans_nodes(pair: Pair, shared: Tenant, make_chat) -> None:
    visitor = Visitor()
    cmid = contract.new_session_id()
    first = await make_chat(shared, pair.a).send(visitor, "once", client_message_id=cmid)
    chat_b = make_chat(shared, pair.b)
    response = await chat_b.public.post(
        "/webchat/message",
        json={**visitor.identity(shared), "text": "once", "clientMessageId": cmid},
    )
    assert (
        contract.expect_status(response, {200, 201})["message"]["messageId"]
        == first["message"]["messageId"]
    )


async def test_revocation_reaches_every_node_at_once(pair: Pair, shared: Tenant) -> None:
    created = pair.a.cli("key", "create", shared.tenant_id, "--kind", "public")
    visitor = Visitor()
    clients = [http_client(node, created["key"]) for node in (pair.a, pair.b)]
    try:
        for http in clients:
            contract.expect_status(
                await http.post("/webchat/session", json=visitor.identity(shared)), 200
            )
        pair.b.cli("key", "revoke", created["prefix"])
        for http in clients:
            response = await http.post("/webchat/session", json=visitor.identity(shared))
            contract.expect_error(response, 401, "invalid_api_key")
    finally:
        for http in clients:
            await http.aclose()


async def test_concurrent_sessions_on_two_nodes_bind_one_fingerprint(
    pair: Pair, shared: Tenant, make_chat
) -> None:
    session_id = contract.new_session_id()
    chats = [make_chat(shared, pair.a), make_chat(shared, pair.b)]
    contenders = [Visitor(session_id=session_id) for _ in range(6)]
    responses = await asyncio.gather(
        *(
            chats[i % 2].public.post("/webchat/session", json=v.identity(shared))
            for i, v in enumerate(contenders)
        )
    )
    assert [r.status_code for r in responses].count(200) == 1, [r.status_code for r in responses]


@pytest.fixture(scope="module")
def split(launcher, backend: str) -> Iterator[Pair]:
    """a = --role api, b = --role realtime, sharing one Redis and one database."""
    group = launcher.group(backend)
    api = launcher.start(group=group, name="role-api", role="api")
    realtime = launcher.start(group=group, name="role-realtime", role="realtime")
    yield Pair(api, realtime)
    launcher.release(api)
    launcher.release(realtime)
    launcher.release_group(group)


async def test_api_process_emits_to_sockets_on_the_realtime_process(
    split: Pair, sockets: Sockets
) -> None:
    tenant = create_tenant(split.a)
    chat = TenantChat(tenant, split.a)
    try:
        visitor = Visitor()
        tab = await sockets.visitor(tenant, visitor, server=split.b)
        agent = await sockets.agent(split.b, api_key=tenant.secret_key)
        sent = (await chat.send(visitor, "HTTP on the api process"))["message"]
        assert await tab.wait_message(sent["messageId"]) == sent
        await agent.wait_message(sent["messageId"])
        reply = await chat.secret.post(
            f"/api/conversations/{sent['conversationId']}/messages", json={"text": "agent"}
        )
        reply_message = contract.expect_status(reply, 201)["message"]
        await tab.wait_message(reply_message["messageId"])
        ack = await tab.call("message", {**visitor.identity(tenant), "text": "socket side"})
        socket_message = contract.check_ack_ok(ack)["message"]
        history = await chat.history(sessionId=visitor.session_id)
        assert [m["messageId"] for m in history["messages"]] == [
            sent["messageId"],
            reply_message["messageId"],
            socket_message["messageId"],
        ]
        await settle()
        assert tab.message_count(sent["messageId"]) == 1
    finally:
        await chat.aclose()
