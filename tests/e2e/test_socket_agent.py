"""CONTRACT §5 from the agent's side, plus `typing`, `sync` and `lastMessageId` replay."""

from __future__ import annotations

import pytest

from support import contract
from support.clients import Agent, SocketClient, Tenant, Visitor, new_client_message_id, settle
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess


async def join(agent_socket: SocketClient, **target: str) -> None:
    """join_conversation; its ack is optional in the contract, an error ack is not."""
    ack = await agent_socket.call_or_none("join_conversation", target)
    if isinstance(ack, dict) and "ok" in ack:
        contract.check_ack_ok(ack)


async def test_agent_handshake_with_token_or_secret_key(
    server: WebchatProcess, agent: Agent, tenant: Tenant, sockets: Sockets, chat: TenantChat
) -> None:
    by_token = await sockets.agent(server, token=agent.token, label="agent token")
    by_secret = await sockets.agent(server, api_key=tenant.secret_key, label="secret key")
    sent = await chat.send(Visitor(), "to the admin room")
    for sock in (by_token, by_secret):
        await sock.wait_message(sent["message"]["messageId"])
        assert sock.count("session") == 0, "agents get no visitor session"


async def test_refused_agent_handshakes(
    server: WebchatProcess, agent: Agent, tenant: Tenant, chat: TenantChat, sockets: Sockets
) -> None:
    _, claims = contract.jwt_parts(agent.token)
    forged = contract.forge_jwt({"alg": "none", "typ": "JWT"}, claims)
    error = await sockets.refused(server, {"token": forged})
    assert error["code"] == "invalid_token", error
    forged = contract.forge_jwt({"alg": "HS256", "typ": "JWT"}, claims, key=b"guess")
    error = await sockets.refused(server, {"token": forged})
    assert error["code"] == "invalid_token", error
    visitor_token = (await chat.session(Visitor()))["token"]
    error = await sockets.refused(server, {"token": visitor_token})
    assert error["code"] in {"invalid_token", "forbidden", "invalid_request"}, error
    error = await sockets.refused(server, {"apiKey": "sk_" + "0" * 40})
    assert error["code"] == "invalid_api_key", error


async def test_agent_message_reaches_every_tab_and_the_agent_once(
    chat: TenantChat, agent: Agent, tenant: Tenant, sockets: Sockets
) -> None:
    visitor = Visitor()
    session = await chat.session(visitor)
    tabs = [await sockets.visitor(tenant, visitor, label=f"tab{i}") for i in range(2)]
    agent_socket = await sockets.agent(chat.server, token=agent.token)
    # Joined to the conversation AND in admin:<tenant>: still exactly once.
    await join(agent_socket, sessionId=visitor.session_id)
    cmid = new_client_message_id()
    ack = await agent_socket.call(
        "message",
        {"sessionId": visitor.session_id, "text": "agent via socket", "clientMessageId": cmid},
    )
    reply = contract.check_message(
        contract.check_ack_ok(ack)["message"],
        sender="agent",
        text="agent via socket",
        conversationId=session["conversationId"],
        clientMessageId=cmid,
    )
    ack2 = await agent_socket.call(
        "message", {"conversationId": session["conversationId"], "text": "by conversationId"}
    )
    reply2 = contract.check_ack_ok(ack2)["message"]
    visitor_msg = (await chat.send(visitor, "visitor answer"))["message"]
    for sock in (*tabs, agent_socket):
        for message in (reply, reply2, visitor_msg):
            await sock.wait_message(message["messageId"])
    await settle()
    for sock in (*tabs, agent_socket):
        for message in (reply, reply2, visitor_msg):
            assert sock.message_count(message["messageId"]) == 1, (sock, message["text"])
    # Retry with the same clientMessageId: same message.
    again = await agent_socket.call(
        "message",
        {"sessionId": visitor.session_id, "text": "agent via socket", "clientMessageId": cmid},
    )
    assert contract.check_ack_ok(again)["message"]["messageId"] == reply["messageId"]
    history = await chat.history(sessionId=visitor.session_id)
    assert [m["text"] for m in history["messages"]] == [
        "agent via socket",
        "by conversationId",
        "visitor answer",
    ]


async def test_agent_not_joined_still_sees_tenant_messages_once(
    chat: TenantChat, agent: Agent, sockets: Sockets
) -> None:
    agent_socket = await sockets.agent(chat.server, token=agent.token)
    sent = (await chat.send(Visitor(), "admin room"))["message"]["messageId"]
    barrier = (await chat.send(Visitor(), "barrier"))["message"]["messageId"]
    await agent_socket.wait_message(sent)
    await agent_socket.wait_message(barrier)
    await settle()
    assert agent_socket.message_count(sent) == 1


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"text": "no target"}, id="no-target"),
        pytest.param({"sessionId": "not-a-uuid", "text": "x"}, id="bad-session"),
        pytest.param({"conversationId": 5, "text": "x"}, id="bad-conversation"),
        pytest.param("text only", id="string"),
        pytest.param(None, id="none"),
    ],
)
async def test_agent_message_validation(
    chat: TenantChat, agent: Agent, sockets: Sockets, payload
) -> None:
    agent_socket = await sockets.agent(chat.server, token=agent.token)
    ack = await agent_socket.call("message", payload)
    contract.check_ack_error(ack, {"invalid_request", "not_found"})


async def test_agent_message_to_unknown_or_foreign_conversation(
    chat: TenantChat, agent: Agent, sockets: Sockets, make_tenant, make_chat
) -> None:
    agent_socket = await sockets.agent(chat.server, token=agent.token)
    ack = await agent_socket.call(
        "message", {"sessionId": contract.new_session_id(), "text": "hello?"}
    )
    contract.check_ack_error(ack, {"not_found", "invalid_request"})
    foreign = make_chat(make_tenant(chat.server))
    theirs = await foreign.send(Visitor(), "other tenant")
    ack = await agent_socket.call(
        "message", {"conversationId": theirs["message"]["conversationId"], "text": "intrude"}
    )
    contract.check_ack_error(ack, {"not_found", "forbidden"})
    history = await foreign.history(conversationId=theirs["message"]["conversationId"])
    assert len(history["messages"]) == 1


async def test_typing_is_relayed_and_never_echoed(
    chat: TenantChat, agent: Agent, tenant: Tenant, sockets: Sockets
) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    agent_socket = await sockets.agent(chat.server, token=agent.token)
    await join(agent_socket, sessionId=visitor.session_id)

    await tab.emit("typing", {"sessionId": visitor.session_id, "isTyping": True})
    seen = await agent_socket.wait_for(
        "typing", lambda d: isinstance(d, dict) and d.get("sessionId") == visitor.session_id
    )
    assert seen.get("isTyping") is True, seen

    await agent_socket.emit("typing", {"sessionId": visitor.session_id, "isTyping": True})
    seen = await tab.wait_for("typing")
    assert seen.get("isTyping") is True and seen.get("sessionId") == visitor.session_id, seen
    await agent_socket.emit("typing", {"sessionId": visitor.session_id, "isTyping": False})
    await tab.wait_for("typing", lambda d: d.get("isTyping") is False)

    # Barrier: a message both see, then no echo may have arrived.
    barrier = (await chat.send(visitor, "barrier"))["message"]["messageId"]
    await tab.wait_message(barrier)
    await agent_socket.wait_message(barrier)
    await settle()
    assert tab.count("typing") == 2, f"visitor got its own typing back: {tab.events('typing')}"
    assert (
        agent_socket.count(
            "typing", lambda d: isinstance(d, dict) and d.get("sessionId") == visitor.session_id
        )
        == 1
    ), f"agent got its own typing back: {agent_socket.events('typing')}"


async def test_typing_with_bad_payload_or_other_session(
    chat: TenantChat, agent: Agent, tenant: Tenant, sockets: Sockets
) -> None:
    visitor, victim = Visitor(), Visitor()
    victim_tab = await sockets.visitor(tenant, victim, label="victim")
    tab = await sockets.visitor(tenant, visitor)
    for payload in (
        None,
        "typing",
        {"isTyping": "yes"},
        {"sessionId": victim.session_id, "isTyping": True},
    ):
        ack = await tab.call_or_none("typing", payload, timeout=2)
        if ack is not None and isinstance(ack, dict) and ack.get("ok") is False:
            contract.check_ack_error(ack, {"invalid_request", "forbidden"})
    barrier = (await chat.send(victim, "barrier"))["message"]["messageId"]
    await victim_tab.wait_message(barrier)
    await settle()
    assert victim_tab.count("typing") == 0, "a visitor must not type into another session"
    assert tab.connected


async def test_sync_returns_everything_after(
    chat: TenantChat, agent: Agent, tenant: Tenant, sockets: Sockets
) -> None:
    visitor = Visitor()
    ids = [(await chat.send(visitor, f"s{i}"))["message"]["messageId"] for i in range(4)]
    session = await chat.session(visitor)
    reply = await chat.secret.post(
        f"/api/conversations/{session['conversationId']}/messages", json={"text": "agent s"}
    )
    ids.append(contract.expect_status(reply, 201)["message"]["messageId"])
    tab = await sockets.visitor(tenant, visitor)
    ack = contract.check_ack_ok(await tab.call("sync", {"after": ids[1]}))
    assert [m["messageId"] for m in ack["messages"]] == ids[2:]
    for m in ack["messages"]:
        contract.check_message(m)
    ack = contract.check_ack_ok(
        await tab.call("sync", {"sessionId": visitor.session_id, "after": ids[-1]})
    )
    assert ack["messages"] == []
    agent_socket = await sockets.agent(chat.server, token=agent.token)
    ack = contract.check_ack_ok(
        await agent_socket.call("sync", {"sessionId": visitor.session_id, "after": ids[0]})
    )
    assert [m["messageId"] for m in ack["messages"]] == ids[1:]
    for bad in ({}, {"after": 5}, None, {"after": "garbage id"}):
        ack = await tab.call("sync", bad)
        if ack.get("ok") is True:
            # Tolerated only for "everything": a missing cursor may mean from the start.
            assert bad == {} and [m["messageId"] for m in ack["messages"]] == ids, ack
        else:
            contract.check_ack_error(ack, "invalid_request")


async def test_handshake_last_message_id_replays_what_was_missed(
    chat: TenantChat, tenant: Tenant, sockets: Sockets
) -> None:
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor, label="before")
    seen = (await chat.send(visitor, "seen"))["message"]["messageId"]
    await tab.wait_message(seen)
    await tab.close()
    missed = [(await chat.send(visitor, f"missed {i}"))["message"]["messageId"] for i in range(3)]
    reply = await chat.secret.post(
        f"/api/conversations/{(await chat.session(visitor))['conversationId']}/messages",
        json={"text": "missed agent reply"},
    )
    missed.append(contract.expect_status(reply, 201)["message"]["messageId"])

    back = await sockets.visitor(tenant, visitor, label="reconnected", lastMessageId=seen)

    def replayed() -> list[str]:
        ids = [
            m.get("messageId") for m in back.events("meta_message_created") if isinstance(m, dict)
        ]
        for event in back.events("sync"):
            if isinstance(event, dict):
                ids += [m.get("messageId") for m in event.get("messages", [])]
        return ids

    await back.wait_until(
        lambda: set(missed) <= set(replayed()), what=f"replay of {len(missed)} missed messages"
    )
    barrier = (await chat.send(visitor, "after reconnect"))["message"]["messageId"]
    await back.wait_message(barrier)
    await settle()
    ids = replayed()
    assert [i for i in ids if i in missed] == missed, f"replay: {ids}, missed: {missed}"
    assert seen not in ids, "lastMessageId itself is not replayed"
    assert ids.count(barrier) == 1


async def test_join_and_leave_conversation(
    chat: TenantChat, agent: Agent, tenant: Tenant, sockets: Sockets
) -> None:
    visitor = Visitor()
    session = await chat.session(visitor)
    tab = await sockets.visitor(tenant, visitor)
    agent_socket = await sockets.agent(chat.server, token=agent.token)
    await join(agent_socket, conversationId=session["conversationId"])
    await tab.emit("typing", {"sessionId": visitor.session_id, "isTyping": True})
    await agent_socket.wait_for("typing", lambda d: d.get("sessionId") == visitor.session_id)
    ack = await agent_socket.call_or_none(
        "leave_conversation", {"conversationId": session["conversationId"]}
    )
    if isinstance(ack, dict) and "ok" in ack:
        contract.check_ack_ok(ack)
    # Leaving the conversation room does not leave admin:<tenant>: messages still arrive once.
    sent = (await chat.send(visitor, "after leave"))["message"]["messageId"]
    await agent_socket.wait_message(sent)
    for bad in (None, "x", {"sessionId": "not-a-uuid"}, {"conversationId": 7}):
        for event in ("join_conversation", "leave_conversation"):
            ack = await agent_socket.call_or_none(event, bad, timeout=2)
            if ack is not None:
                contract.check_ack_error(ack, {"invalid_request", "not_found"})
    await settle()
    assert agent_socket.message_count(sent) == 1
    assert agent_socket.connected
