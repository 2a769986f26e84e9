"""CONTRACT §6 delivery guarantee: an acknowledged message survives `kill -9` of the server
and of Redis, and appears exactly once; reconnecting tabs miss nothing; a dead node's
presence disappears within 30 s."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import httpx
import pytest

from support import contract
from support.clients import SocketClient, Tenant, Visitor, http_client
from support.flows import Sockets, TenantChat, create_tenant
from support.server import WebchatProcess

BURST = 40


async def burst_over_http(
    server: WebchatProcess,
    tenant: Tenant,
    visitors: list[Visitor],
    label: str,
    first_ack: asyncio.Event | None = None,
) -> tuple[dict[str, str], dict[str, Visitor]]:
    """Send BURST messages concurrently; return {clientMessageId: messageId} of the acked
    ones and {clientMessageId: visitor} of every attempt."""
    acked: dict[str, str] = {}
    attempts: dict[str, Visitor] = {}

    async def one(http: httpx.AsyncClient, i: int) -> None:
        visitor = visitors[i % len(visitors)]
        cmid = contract.new_session_id()
        attempts[cmid] = visitor
        try:
            response = await http.post(
                "/webchat/message",
                json={**visitor.identity(tenant), "text": f"{label} {i}", "clientMessageId": cmid},
            )
        except httpx.HTTPError:
            return  # the server died under us: not acknowledged
        if response.status_code == 201:
            acked[cmid] = response.json()["message"]["messageId"]
            if first_ack is not None:
                first_ack.set()

    async with http_client(server, tenant.public_key, strict=False) as http:
        await asyncio.gather(*(one(http, i) for i in range(BURST)))
    return acked, attempts


async def burst_over_socket(
    socket: SocketClient, tenant: Tenant, visitor: Visitor, label: str, count: int = 20
) -> dict[str, str]:
    acks = await asyncio.gather(
        *(
            socket.call(
                "message",
                {
                    **visitor.identity(tenant),
                    "text": f"{label} {i}",
                    "clientMessageId": contract.new_session_id(),
                },
            )
            for i in range(count)
        )
    )
    out = {}
    for ack in acks:
        message = contract.check_ack_ok(ack)["message"]
        out[message["clientMessageId"]] = message["messageId"]
    return out


async def all_history(chat: TenantChat, visitors: list[Visitor]) -> list[dict]:
    messages = []
    for visitor in visitors:
        messages += await chat.all_messages(sessionId=visitor.session_id)
    return messages


async def assert_acked_once(
    chat: TenantChat, visitors: list[Visitor], acked: dict[str, str], settle_for: float = 15.0
) -> list[dict]:
    """Every acked message is in history exactly once (waiting a bounded time for any
    write-behind to catch up), and no message appears twice."""
    deadline = time.monotonic() + settle_for
    while True:
        history = await all_history(chat, visitors)
        counts = Counter(m["messageId"] for m in history)
        missing = [mid for mid in acked.values() if counts[mid] == 0]
        if not missing or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert not missing, f"{len(missing)} of {len(acked)} acknowledged messages lost: {missing[:5]}"
    duplicates = {mid: n for mid, n in counts.items() if n > 1}
    assert not duplicates, f"messages stored more than once: {duplicates}"
    by_client_id = Counter(m["clientMessageId"] for m in history if m["clientMessageId"])
    assert not [c for c, n in by_client_id.items() if n > 1], "one clientMessageId, two messages"
    return history


@pytest.mark.slow
async def test_acked_messages_survive_kill_9_of_the_server(
    backend: str, make_server, make_chat, sockets: Sockets
) -> None:
    server = make_server(backend, name="crash-server")
    tenant = create_tenant(server)
    visitors = [Visitor() for _ in range(4)]
    socket = await sockets.visitor(tenant, visitors[0])
    acked = await burst_over_socket(socket, tenant, visitors[0], "socket")
    http_acked, _ = await burst_over_http(server, tenant, visitors, "http")
    acked.update(http_acked)
    server.kill()  # right after the last ack: no goodbye, no flush
    server.start()
    chat = make_chat(tenant)
    await assert_acked_once(chat, visitors, acked)


@pytest.mark.slow
async def test_kill_9_during_a_burst_then_retries_are_exactly_once(
    backend: str, make_server, make_chat
) -> None:
    server = make_server(backend, name="crash-mid-burst")
    tenant = create_tenant(server)
    visitors = [Visitor() for _ in range(4)]
    chat = make_chat(tenant)
    for visitor in visitors:
        await chat.session(visitor)

    first_ack = asyncio.Event()

    async def killer() -> None:
        # Kill as soon as the first acks come back, with the rest of the burst in flight.
        await asyncio.wait_for(first_ack.wait(), 15)
        await asyncio.to_thread(server.kill)

    (acked, attempts), _ = await asyncio.gather(
        burst_over_http(server, tenant, visitors, "mid", first_ack), killer()
    )
    server.start()
    await assert_acked_once(chat, visitors, acked)
    # The widget retries everything it has no ack for, with the same clientMessageId.
    retried: dict[str, str] = {}
    for cmid, visitor in attempts.items():
        response = await chat.public.post(
            "/webchat/message",
            json={**visitor.identity(tenant), "text": "retry", "clientMessageId": cmid},
        )
        retried[cmid] = contract.expect_status(response, {200, 201})["message"]["messageId"]
    for cmid, message_id in acked.items():
        assert retried[cmid] == message_id, "a retry after the crash made a second message"
    history = await assert_acked_once(chat, visitors, retried, settle_for=5)
    assert len(history) == len(attempts), "exactly one message per clientMessageId"


@pytest.mark.slow
@pytest.mark.real_only
async def test_acked_messages_survive_kill_9_of_redis(
    backend: str, make_server, make_chat, sockets: Sockets
) -> None:
    server = make_server(backend, name="crash-redis")
    redis = server.group.redis
    tenant = create_tenant(server)
    visitors = [Visitor() for _ in range(4)]
    socket = await sockets.visitor(tenant, visitors[0])
    acked = await burst_over_socket(socket, tenant, visitors[0], "socket")
    http_acked, _ = await burst_over_http(server, tenant, visitors, "http")
    acked.update(http_acked)
    redis.kill()  # Redis keeps nothing on disk: the stream is gone
    redis.start()
    await asyncio.to_thread(server.wait_ready, 30)
    chat = make_chat(tenant)
    await assert_acked_once(chat, visitors, acked)
    # The system works again after the loss, for old and new visitors alike.
    after = await chat.send(visitors[1], "after redis restart")
    await chat.send(Visitor(), "new visitor after redis restart")
    acked[after["message"]["clientMessageId"] or "after"] = after["message"]["messageId"]
    await assert_acked_once(chat, visitors, acked, settle_for=5)


@pytest.mark.slow
async def test_reconnecting_tab_misses_nothing_after_a_server_crash(
    backend: str, make_server, make_chat, sockets: Sockets
) -> None:
    server = make_server(backend, name="crash-reconnect")
    tenant = create_tenant(server)
    chat = make_chat(tenant)
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor)
    last = (await chat.send(visitor, "before crash"))["message"]["messageId"]
    await tab.wait_message(last)
    server.kill()
    await tab.wait_disconnect()
    server.start()
    missed = [
        (await chat.send(visitor, f"while away {i}"))["message"]["messageId"] for i in range(3)
    ]
    back = await sockets.visitor(tenant, visitor, label="reconnected", lastMessageId=last)

    def replayed() -> list[str]:
        ids = [m.get("messageId") for m in back.events("meta_message_created")]
        for event in back.events("sync"):
            ids += [m.get("messageId") for m in event.get("messages", [])]
        return ids

    await back.wait_until(lambda: set(missed) <= set(replayed()), what="replay after crash")
    assert [i for i in replayed() if i in missed] == missed


@pytest.mark.slow
@pytest.mark.real_only
async def test_presence_of_a_dead_node_disappears_within_30s(
    backend: str, make_server, sockets: Sockets
) -> None:
    group = make_server.group(backend)
    doomed = make_server(backend, group=group, name="doomed")
    survivor = make_server(backend, group=group, name="survivor")
    tenant = create_tenant(survivor)
    agent = await sockets.agent(survivor, api_key=tenant.secret_key)
    on_doomed, on_survivor = Visitor(), Visitor()
    await sockets.visitor(tenant, on_doomed, server=doomed, label="tab on doomed node")
    await sockets.visitor(tenant, on_survivor, server=survivor, label="tab on survivor")

    async def online() -> dict[str, int]:
        ack = await agent.call("get_online_users", {})
        users = (
            ack["users"]
            if isinstance(ack, dict) and "users" in ack
            else (await agent.wait_for("online_users_list"))["users"]
        )
        return {u["sessionId"]: u["tabs"] for u in users}

    now = await online()
    assert on_doomed.session_id in now and on_survivor.session_id in now, now
    doomed.kill()
    killed_at = time.monotonic()
    while True:
        now = await online()
        if on_doomed.session_id not in now:
            break
        assert time.monotonic() - killed_at < 35, (
            f"dead node's visitor still listed after {time.monotonic() - killed_at:.0f}s: {now}"
        )
        await asyncio.sleep(1)
    assert on_survivor.session_id in now, "the live node's visitor must stay listed"
    # Agents learn it by event too (§5: user_offline when the last tab closes, on any node).
    remaining = max(1.0, 35 - (time.monotonic() - killed_at))
    await agent.wait_for(
        "user_offline",
        lambda e: isinstance(e, dict) and e.get("sessionId") == on_doomed.session_id,
        timeout=remaining,
    )
