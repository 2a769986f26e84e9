"""CONTRACT §8 assignment: manual `assigneeId`, the first agent reply, auto-assignment
(§9 `assignment`, `agentCapacity`)."""

from __future__ import annotations

import asyncio

import pytest

from support import contract
from support.clients import SocketClient, Visitor, settle
from support.desk import (
    Desk,
    DeskAgent,
    get_conversation,
    listed_ids,
    of,
    patch,
    shared_desks,
)
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess


@pytest.fixture(scope="module")
async def desks(shared_server: WebchatProcess) -> tuple[Desk, Desk]:
    return await shared_desks(shared_server)


@pytest.fixture(scope="module")
def auto_desk(desks: tuple[Desk, Desk]) -> Desk:
    """The tenant whose settings change here (each test puts `assignment: manual` back)."""
    return desks[1]


async def new_conversation(chat: TenantChat, text: str = "hi") -> str:
    return (await chat.send(Visitor(), text))["message"]["conversationId"]


async def test_manual_assignment(desks: tuple[Desk, Desk], make_chat, sockets: Sockets) -> None:
    desk, other = desks
    chat = make_chat(desk.tenant)
    cid = await new_conversation(chat)
    staff = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="staff")
    first, second = desk.agents[0], desk.agents[1]
    async with desk.http(second) as http:
        assigned = await patch(http, cid, assigneeId=first.agent_id)
        assert assigned["assigneeId"] == first.agent_id
        pushed = await staff.wait_for("conversation_updated", of(cid, assigneeId=first.agent_id))
        assert pushed == assigned
        assert (await get_conversation(http, cid))["assigneeId"] == first.agent_id
        assert (await patch(http, cid, assigneeId=desk.admin.agent_id))["assigneeId"] == (
            desk.admin.agent_id
        )
        for bad in (
            other.admin.agent_id,  # another tenant's agent
            "01J" + "Z" * 23,  # nobody
            "not-an-agent",
            "",
            42,
            ["x"],
        ):
            response = await http.patch(f"/api/conversations/{cid}", json={"assigneeId": bad})
            error = contract.expect_error(response, 422, "invalid_request")
            assert "assigneeId" in error["message"], (bad, error)
        assert (await get_conversation(http, cid))["assigneeId"] == desk.admin.agent_id
        unassigned = await patch(http, cid, assigneeId=None)
        assert unassigned["assigneeId"] is None
        await staff.wait_for("conversation_updated", of(cid, assigneeId=None))

        # One PATCH naming several fields is one change, one event.
        before = staff.count("conversation_updated", of(cid))
        both = await patch(http, cid, assigneeId=second.agent_id, status="pending")
        assert (both["assigneeId"], both["status"]) == (second.agent_id, "pending")
        await patch(http, cid, labels=["barrier"])
        await staff.wait_for("conversation_updated", of(cid, labels=["barrier"]))
        assert staff.count("conversation_updated", of(cid)) == before + 2
    async with desk.http() as by_secret:
        assert (await patch(by_secret, cid, assigneeId=first.agent_id))["assigneeId"] == (
            first.agent_id
        )


async def test_first_agent_reply_assigns(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets
) -> None:
    desk, _ = desks
    chat = make_chat(desk.tenant)
    first, second = desk.agents[0], desk.agents[1]
    by_http, by_socket, taken, backend = [await new_conversation(chat) for _ in range(4)]
    staff = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="staff")
    second_socket = await sockets.agent(desk.server, token=second.token, label="second")
    async with desk.http(first) as http:
        reply = await http.post(f"/api/conversations/{by_http}/messages", json={"text": "mine"})
        contract.expect_status(reply, 201)
        pushed = await staff.wait_for("conversation_updated", of(by_http))
        assert pushed["assigneeId"] == first.agent_id, pushed
        assert (await get_conversation(http, by_http))["assigneeId"] == first.agent_id
        # A later reply by someone else does not take it over.
        ack = await second_socket.call("message", {"conversationId": by_http, "text": "me too"})
        contract.check_ack_ok(ack)

        ack = await second_socket.call("message", {"conversationId": by_socket, "text": "on it"})
        contract.check_ack_ok(ack)
        pushed = await staff.wait_for("conversation_updated", of(by_socket))
        assert pushed["assigneeId"] == second.agent_id, pushed

        await patch(http, taken, assigneeId=first.agent_id)
        ack = await second_socket.call("message", {"conversationId": taken, "text": "hi"})
        contract.check_ack_ok(ack)
        reply = await http.post(f"/api/conversations/{taken}/messages", json={"text": "again"})
        contract.expect_status(reply, 201)

    async with desk.http() as by_secret:
        reply = await by_secret.post(f"/api/conversations/{backend}/messages", json={"text": "bot"})
        contract.expect_status(reply, 201)
        ack = await staff.call("message", {"conversationId": backend, "text": "bot again"})
        contract.check_ack_ok(ack)
        await settle()
        assert (await get_conversation(by_secret, by_http))["assigneeId"] == first.agent_id
        assert (await get_conversation(by_secret, by_socket))["assigneeId"] == second.agent_id
        assert (await get_conversation(by_secret, taken))["assigneeId"] == first.agent_id
        assert (await get_conversation(by_secret, backend))["assigneeId"] is None, (
            "a secret-key reply never assigns"
        )
        for cid, owner in ((by_http, first), (taken, first)):
            changes = staff.events("conversation_updated", of(cid))
            assert all(c["assigneeId"] in (None, owner.agent_id) for c in changes), changes
        assert staff.count("conversation_updated", of(backend)) == 0
        # The first reply by an agent, after the backend's, still takes it.
        ack = await second_socket.call("message", {"conversationId": backend, "text": "human"})
        contract.check_ack_ok(ack)
        await staff.wait_for("conversation_updated", of(backend, assigneeId=second.agent_id))


async def test_auto_assignment(auto_desk: Desk, make_chat, sockets: Sockets) -> None:
    desk = auto_desk
    x, y, z = desk.everyone  # the admin takes chats too
    chat = make_chat(desk.tenant)
    observer = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="observer")
    async with desk.http() as http:

        async def load(agent: DeskAgent) -> set[str]:
            return set(await listed_ids(http, assigneeId=agent.agent_id, status="open,pending"))

        visitors: dict[str, Visitor] = {}

        async def assigned_to(agent: DeskAgent | None) -> str:
            visitor = Visitor()
            cid = (await chat.send(visitor, "hello"))["message"]["conversationId"]
            visitors[cid] = visitor
            if agent is None:
                await settle()
                conversation = await get_conversation(http, cid)
                assert conversation["assigneeId"] is None, conversation
                assert observer.count("conversation_updated", of(cid)) == 0
            else:
                pushed = await observer.wait_for("conversation_updated", of(cid))
                assert pushed["assigneeId"] == agent.agent_id, (agent.name, pushed)
                assert (await get_conversation(http, cid))["assigneeId"] == agent.agent_id
            return cid

        async def online(agent: DeskAgent) -> SocketClient:
            return await sockets.agent(desk.server, token=agent.token, label=agent.name)

        async def offline(agent: DeskAgent, socket: SocketClient) -> None:
            await socket.close()
            await observer.wait_for("agent_offline", lambda e: e.get("agentId") == agent.agent_id)

        settings = await http.patch(
            "/api/settings", json={"assignment": "auto", "agentCapacity": 2}
        )
        contract.expect_status(settings, 200)

        # Nobody with a console open (the observer is a secret key, not a person).
        await assigned_to(None)
        x_socket = await online(x)
        c1, c2 = await assigned_to(x), await assigned_to(x)
        c3 = await assigned_to(None)  # x is at capacity (2)
        assert await load(x) == {c1, c2}
        y_socket = await online(y)
        c4 = await assigned_to(y)
        # x and y have one each: x was assigned longest ago.
        await patch(http, c1, status="closed")
        c5 = await assigned_to(x)
        c6 = await assigned_to(y)
        await assigned_to(None)  # both at 2
        assert (await load(x), await load(y)) == ({c2, c5}, {c4, c6})

        # Only a conversation's first visitor message assigns it.
        await patch(http, c2, status="closed")
        await chat.send(visitors[c3], "anyone?")
        await settle()
        assert (await get_conversation(http, c3))["assigneeId"] is None

        # x logs off: x's free slot does not count.
        await patch(http, c5, status="closed")
        await offline(x, x_socket)
        await assigned_to(None)  # y full, x offline
        z_socket = await online(z)
        c8 = await assigned_to(z)
        assert await load(z) == {c8}

        # Manual mode: nobody is assigned, however free.
        contract.expect_status(
            await http.patch("/api/settings", json={"assignment": "manual"}), 200
        )
        await assigned_to(None)
        assert await load(x) == set() and await load(y) == {c4, c6}

        # A burst of first messages at once never takes anyone above capacity.
        for cid in await listed_ids(http, status="open,pending"):
            await patch(http, cid, status="closed")
        await http.patch("/api/settings", json={"assignment": "auto", "agentCapacity": 2})
        burst = await asyncio.gather(*[chat.send(Visitor(), f"burst {i}") for i in range(8)])
        burst_ids = {b["message"]["conversationId"] for b in burst}
        await observer.wait_until(
            lambda: sum(observer.count("conversation_updated", of(cid)) for cid in burst_ids) >= 4,
            what="four burst conversations assigned",
        )
        await settle()
        assert len(await load(y)) == 2 and len(await load(z)) == 2, (await load(y), await load(z))
        unassigned = set(await listed_ids(http, assigneeId="none", status="open"))
        assert len(burst_ids & unassigned) == 4, "the rest stay unassigned"
        for cid in burst_ids:
            changes = observer.events("conversation_updated", of(cid))
            assert len(changes) <= 1, f"assigned once, not re-assigned: {changes}"
        await http.patch("/api/settings", json={"assignment": "manual", "agentCapacity": 10})
    # Leave nobody online for the next test.
    await offline(y, y_socket)
    await offline(z, z_socket)


async def test_concurrent_first_replies_assign_one_agent(
    desks: tuple[Desk, Desk], make_chat, sockets: Sockets
) -> None:
    desk, _ = desks
    chat = make_chat(desk.tenant)
    cid = await new_conversation(chat)
    staff = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="staff")
    clients = [desk.http(agent) for agent in desk.agents]
    try:
        responses = await asyncio.gather(
            *[
                client.post(f"/api/conversations/{cid}/messages", json={"text": f"me {i}"})
                for i, client in enumerate(clients * 3)
            ]
        )
    finally:
        for client in clients:
            await client.aclose()
    for response in responses:
        contract.expect_status(response, 201)
    async with desk.http() as http:
        winner = (await get_conversation(http, cid))["assigneeId"]
        assert winner in {a.agent_id for a in desk.agents}, winner
    await staff.wait_for("conversation_updated", of(cid))
    await settle()
    seen = {c["assigneeId"] for c in staff.events("conversation_updated", of(cid))}
    assert seen == {winner}, f"one agent takes it, and only one is announced: {seen}"


async def test_manual_assignment_counts_for_the_tie_break(
    auto_desk: Desk, make_chat, sockets: Sockets
) -> None:
    """'ties to the agent who was assigned longest ago': being assigned by hand is being
    assigned."""
    desk = auto_desk
    x, y = desk.agents
    chat = make_chat(desk.tenant)
    observer = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="observer")
    async with desk.http() as http:
        for cid in await listed_ids(http, status="open,pending"):
            await patch(http, cid, status="closed")
        await http.patch("/api/settings", json={"assignment": "auto", "agentCapacity": 10})
        x_socket = await sockets.agent(desk.server, token=x.token, label="x")
        y_socket = await sockets.agent(desk.server, token=y.token, label="y")

        async def auto() -> str:
            cid = await new_conversation(chat)
            return (await observer.wait_for("conversation_updated", of(cid)))["assigneeId"]

        first = await auto()
        second = await auto()
        assert {first, second} == {x.agent_id, y.agent_id}, "fewest open first"
        # Both have one. Give `first` another by hand, and close it again: `first` was
        # now assigned more recently than `second`.
        await http.patch("/api/settings", json={"assignment": "manual"})
        by_hand = await new_conversation(chat)
        await settle()
        assert (await get_conversation(http, by_hand))["assigneeId"] is None
        await patch(http, by_hand, assigneeId=first)
        await patch(http, by_hand, status="closed")
        await http.patch("/api/settings", json={"assignment": "auto"})
        assert await auto() == second
        await http.patch("/api/settings", json={"assignment": "manual"})
    for socket, agent in ((x_socket, x), (y_socket, y)):
        await socket.close()
        await observer.wait_for("agent_offline", lambda e, a=agent: e.get("agentId") == a.agent_id)


async def test_auto_assignment_on_the_first_visitor_message_after_a_greeting(
    auto_desk: Desk, make_chat, sockets: Sockets
) -> None:
    """'a conversation's first visitor message assigns it': also when the tenant's
    backend greeted the visitor first (a bot, a proactive message)."""
    desk = auto_desk
    agent = desk.agents[0]
    chat = make_chat(desk.tenant)
    observer = await sockets.agent(desk.server, api_key=desk.tenant.secret_key, label="observer")
    async with desk.http() as http:
        await http.patch("/api/settings", json={"assignment": "auto", "agentCapacity": 10})
        try:
            online = await sockets.agent(desk.server, token=agent.token, label="online")
            visitor = Visitor()
            cid = (await chat.session(visitor))["conversationId"]
            greeting = await http.post(
                f"/api/conversations/{cid}/messages", json={"text": "Hi! How can we help?"}
            )
            contract.expect_status(greeting, 201)
            await settle()
            assert (await get_conversation(http, cid))["assigneeId"] is None
            await chat.send(visitor, "my first words")
            pushed = await observer.wait_for("conversation_updated", of(cid), timeout=5)
            assert pushed["assigneeId"] == agent.agent_id, pushed
        finally:
            await http.patch("/api/settings", json={"assignment": "manual"})
    await online.close()
    await observer.wait_for("agent_offline", lambda e: e.get("agentId") == agent.agent_id)
