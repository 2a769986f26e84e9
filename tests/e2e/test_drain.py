"""CONTRACT §14, SIGTERM: a node under load stops accepting, finishes what it
acknowledged, tells its sockets to reconnect (not "you were disconnected"), and exits
within 10 s; nothing acknowledged is lost, and the other node has it all."""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from typing import Any

import pytest

from support.clients import SocketClient, Visitor
from support.flows import Sockets, TenantChat, create_tenant

pytestmark = pytest.mark.real_only

SENDS = 300


async def send_all(tab: SocketClient, visitor: Visitor, tenant: Any) -> dict[str, Any]:
    """Every send at once; its ack, or None when the node went first."""

    async def one(i: int) -> tuple[str, Any]:
        client_id = str(uuid.uuid4())
        payload = {**visitor.identity(tenant), "text": f"m{i}", "clientMessageId": client_id}
        try:
            return client_id, await tab.sio.call("message", payload, timeout=15)
        except Exception:
            return client_id, None

    return dict(await asyncio.gather(*(one(i) for i in range(SENDS))))


async def test_sigterm_under_load_loses_nothing_acknowledged(make_server, sockets: Sockets):
    group = make_server.group("real")
    going = make_server(group=group, name="drain-going")
    staying = make_server(group=group, name="drain-staying")
    tenant = create_tenant(staying)
    visitor = Visitor()
    agent = await sockets.agent(staying, api_key=tenant.secret_key, label="agent on the other node")
    tab = await sockets.visitor(tenant, visitor, server=going, label="tab on the going node")

    sending = asyncio.create_task(send_all(tab, visitor, tenant))
    await agent.wait_for("meta_message_created", count=20, timeout=30)  # under load now
    assert going.proc is not None
    stopped_at = time.monotonic()
    going.proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(going.proc.wait, 20)
    took = time.monotonic() - stopped_at
    acks = await sending

    # uvicorn re-raises the signal once its shutdown is complete.
    assert going.proc.returncode in (0, -signal.SIGTERM), going.logs_since((0, 0))[-3000:]
    assert "Application shutdown complete" in going.logs_since((0, 0), limit=100_000)
    assert took < 10, f"the node took {took:.1f} s to go"
    # Told to go, not disconnected for good: socket.io clients reconnect on their own.
    await tab.wait_for("disconnect", timeout=10)
    assert tab.events("disconnect")[0] != ["io server disconnect"], tab.events("disconnect")
    acked = {cid for cid, ack in acks.items() if isinstance(ack, dict) and ack.get("ok")}
    assert acked, "no send was acknowledged before the SIGTERM"

    chat = TenantChat(tenant, staying)
    try:
        history = await chat.history(sessionId=visitor.session_id, limit=200)
        stored: list[dict[str, Any]] = list(history["messages"])
        while history.get("nextBefore"):
            history = await chat.history(
                sessionId=visitor.session_id, limit=200, before=history["nextBefore"]
            )
            stored += history["messages"]
    finally:
        await chat.aclose()
    ids = [m["clientMessageId"] for m in stored]
    assert len(ids) == len(set(ids)), "a message was stored twice"
    assert acked <= set(ids), f"{len(acked - set(ids))} acknowledged messages were lost"
    # Every stored message was announced to the agent on the other node.
    await agent.wait_until(
        lambda: {m["clientMessageId"] for m in agent.events("meta_message_created")} >= set(ids),
        timeout=15,
        what="every stored message on the other node",
    )
