"""CONTRACT §8 across nodes: auto-assignment is race-free with two `webchat serve` on one
Redis + PostgreSQL, and a snooze wakes once whatever the number of nodes."""

from __future__ import annotations

import asyncio

import pytest

from support import contract
from support.clients import SocketClient, Visitor, http_client, settle
from support.desk import (
    Desk,
    check_conversation,
    get_conversation,
    iso_in,
    listed_ids,
    of,
    patch,
    quick_snooze,
)
from support.flows import Sockets, TenantChat
from support.server import WebchatProcess

pytestmark = pytest.mark.real_only


@pytest.fixture(scope="module")
async def nodes(launcher, backend: str) -> tuple[WebchatProcess, WebchatProcess]:
    """Two nodes on one Redis + PostgreSQL, each looking for due snoozes every second."""
    found, _ = await quick_snooze(launcher, backend)
    a, b = found
    return a, b


@pytest.fixture(scope="module")
async def cluster_desks(launcher, backend: str) -> tuple[Desk, Desk]:
    """A tenant with two agents (auto-assignment), and one for snoozes."""
    _, (auto, snooze) = await quick_snooze(launcher, backend)
    return auto, snooze


async def test_auto_assignment_is_race_free_across_nodes(
    nodes: tuple[WebchatProcess, WebchatProcess],
    cluster_desks: tuple[Desk, Desk],
    sockets: Sockets,
) -> None:
    a, b = nodes
    desk, _ = cluster_desks
    first, second = desk.agents
    async with desk.http(server=a) as admin:
        response = await admin.patch(
            "/api/settings", json={"assignment": "auto", "agentCapacity": 2}
        )
        contract.expect_status(response, 200)
    async with desk.http(server=b) as on_b:
        for _ in range(50):  # each node may cache settings briefly: wait until B agrees
            got = contract.expect_status(await on_b.get("/api/settings"), 200)["settings"]
            if got["assignment"] == "auto":
                break
            await asyncio.sleep(0.1)
        assert (got["assignment"], got["agentCapacity"]) == ("auto", 2), got
    await sockets.agent(a, token=first.token, label="first on A")
    await sockets.agent(b, token=second.token, label="second on B")
    observers = [
        await sockets.agent(node, api_key=desk.tenant.secret_key, label=f"observer {node.name}")
        for node in (a, b)
    ]
    chats = [TenantChat(desk.tenant, node) for node in (a, b)]
    try:
        sent = await asyncio.gather(
            *[chats[i % 2].send(Visitor(), f"first message {i}") for i in range(12)]
        )
    finally:
        for chat in chats:
            await chat.aclose()
    ids = {s["message"]["conversationId"] for s in sent}
    assert len(ids) == 12

    def assigned(observer: SocketClient) -> int:
        return sum(observer.count("conversation_updated", of(cid)) for cid in ids)

    for observer in observers:
        await observer.wait_until(lambda o=observer: assigned(o) >= 4, what="4 assignments")
    await settle(1.0)
    for node in (a, b):
        async with desk.http(server=node) as http:
            loads = {
                agent.agent_id: set(
                    await listed_ids(http, assigneeId=agent.agent_id, status="open,pending")
                )
                & ids
                for agent in desk.agents
            }
            unassigned = set(await listed_ids(http, assigneeId="none")) & ids
        for agent_id, load in loads.items():
            assert len(load) <= 2, f"{agent_id} above capacity: {load}"
        assert [len(load) for load in loads.values()] == [2, 2], loads
        assert len(unassigned) == 8, unassigned
    for observer in observers:
        assert assigned(observer) == 4, observer.events("conversation_updated")
        for cid in ids:
            changes = observer.events("conversation_updated", of(cid))
            assert len(changes) <= 1, f"announced more than once: {changes}"


async def test_a_snooze_wakes_once_with_two_nodes(
    nodes: tuple[WebchatProcess, WebchatProcess],
    cluster_desks: tuple[Desk, Desk],
    sockets: Sockets,
    make_chat,
) -> None:
    a, b = nodes
    _, desk = cluster_desks
    chat = make_chat(desk.tenant, a)
    visitors = [Visitor() for _ in range(3)]
    ids = [(await chat.send(v, "snooze me"))["message"]["conversationId"] for v in visitors]
    tabs = [await sockets.visitor(desk.tenant, v, server=b) for v in visitors]
    staff = [
        await sockets.agent(node, api_key=desk.tenant.secret_key, label=f"staff {node.name}")
        for node in (a, b)
    ]
    async with http_client(a, desk.tenant.secret_key) as http:
        until = iso_in(2)
        for cid in ids:
            await patch(http, cid, snoozedUntil=until)
        for sock in staff:
            for cid in ids:
                woken = await sock.wait_for(
                    "conversation_updated", of(cid, status="open"), timeout=15
                )
                check_conversation(woken, status="open", snoozedUntil=None)
        for tab, cid in zip(tabs, ids, strict=True):
            await tab.wait_for("conversation_status", of(cid, status="open"))
        await asyncio.sleep(1.5)  # more checks on both nodes: nothing wakes twice
        for sock in staff:
            for cid in ids:
                assert sock.count("conversation_updated", of(cid, status="open")) == 1, (
                    sock.label,
                    sock.events("conversation_updated", of(cid)),
                )
        for tab, cid in zip(tabs, ids, strict=True):
            assert tab.count("conversation_status", of(cid, status="open")) == 1
            assert (await get_conversation(http, cid))["status"] == "open"
