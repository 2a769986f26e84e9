"""CONTRACT §14, Redis down with the database up: sends over HTTP and sockets, on both
nodes, are still accepted (or refused with `503`, never lost or doubled); when Redis is
back, every socket is asked to `sync` and, doing what the widget does, each tab has
everything of both nodes within 15 s; presence is listed again."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from support import contract
from support.clients import SocketClient, Visitor, http_client
from support.flows import Sockets, create_tenant, follow_like_the_widget
from support.server import WebchatProcess

pytestmark = pytest.mark.real_only

OUTAGE_SECONDS = 10
SEND_EVERY_SECONDS = 0.05
CAUGHT_UP_WITHIN_SECONDS = 15


class Sender:
    """A visitor sending on one node, over its socket and over HTTP in turn, keeping
    what was acknowledged and what was refused."""

    def __init__(self, node: WebchatProcess, tab: SocketClient, visitor: Visitor, tenant: Any):
        self.node, self.tab, self.visitor, self.tenant = node, tab, visitor, tenant
        self.acked: dict[str, str] = {}  # clientMessageId -> messageId
        self.refused: list[str] = []
        self.stop = asyncio.Event()

    async def run(self) -> None:
        async with http_client(self.node) as http:
            i = 0
            while not self.stop.is_set():
                i += 1
                await (self._over_socket(i) if i % 2 else self._over_http(http, i))
                await asyncio.sleep(SEND_EVERY_SECONDS)

    async def _over_socket(self, i: int) -> None:
        client_id = str(uuid.uuid4())
        payload = {
            **self.visitor.identity(self.tenant),
            "text": f"s{i}",
            "clientMessageId": client_id,
        }
        ack = await self.tab.call("message", payload, timeout=15)
        self._record(client_id, ack.get("message") if ack.get("ok") else None, ack.get("error"))

    async def _over_http(self, http: httpx.AsyncClient, i: int) -> None:
        client_id = str(uuid.uuid4())
        body = {**self.visitor.identity(self.tenant), "text": f"h{i}", "clientMessageId": client_id}
        response = await http.post(
            "/webchat/message",
            json=body,
            headers={"Authorization": f"Bearer {self.tenant.public_key}"},
            timeout=15,
        )
        if response.status_code == 201:
            self._record(client_id, response.json()["message"], None)
        else:
            self._record(client_id, None, contract.expect_error(response, 503, "unavailable"))

    def _record(self, client_id: str, message: dict | None, error: dict | None) -> None:
        if message is not None:
            self.acked[client_id] = message["messageId"]
            return
        assert error is not None and error["code"] == "unavailable", error
        self.refused.append(client_id)


async def test_redis_kill_9_for_10_s_during_sends_over_two_nodes(
    make_server, make_chat, sockets: Sockets
) -> None:
    group = make_server.group("real")
    taking = make_server(group=group, name="outage-taking")
    other = make_server(group=group, name="outage-other")
    tenant = create_tenant(taking)
    visitor = Visitor()
    tab = await sockets.visitor(tenant, visitor, server=taking, label="sending tab")
    far_tab = await sockets.visitor(tenant, visitor, server=other, label="tab on the other node")
    agent = await sockets.agent(other, api_key=tenant.secret_key, label="agent, other node")
    seen = {"taking": follow_like_the_widget(tab, visitor)}
    seen["other"] = follow_like_the_widget(far_tab, visitor)

    senders = [Sender(taking, tab, visitor, tenant), Sender(other, far_tab, visitor, tenant)]
    sending = [asyncio.create_task(sender.run()) for sender in senders]
    await far_tab.wait_for("meta_message_created", count=10, timeout=20)
    before_outage = sum(len(sender.acked) for sender in senders)

    group.redis.kill()
    await asyncio.sleep(OUTAGE_SECONDS)
    during_outage = sum(len(sender.acked) for sender in senders) - before_outage
    group.redis.start()  # empty: this Redis keeps nothing on disk
    back_at = time.monotonic()
    await asyncio.sleep(2)
    for sender in senders:
        sender.stop.set()
    await asyncio.gather(*sending)

    refused = [c for sender in senders for c in sender.refused]
    assert during_outage > OUTAGE_SECONDS, (
        f"only {during_outage} sends accepted in {OUTAGE_SECONDS} s without Redis "
        f"({len(refused)} refused)"
    )
    await far_tab.wait_for("sync", timeout=CAUGHT_UP_WITHIN_SECONDS)
    await tab.wait_for("sync", timeout=CAUGHT_UP_WITHIN_SECONDS)
    acked_by_client = {c: m for sender in senders for c, m in sender.acked.items()}
    acked = set(acked_by_client.values())
    for _ in range(CAUGHT_UP_WITHIN_SECONDS * 5):
        if all(acked <= ids for ids in seen.values()):
            break
        if time.monotonic() - back_at > CAUGHT_UP_WITHIN_SECONDS:
            break
        await asyncio.sleep(0.2)
    for node, ids in seen.items():
        missing = acked - ids
        assert not missing, (
            f"{len(missing)} of {len(acked)} acknowledged messages never reached the tab on "
            f"the {node} node within {CAUGHT_UP_WITHIN_SECONDS} s of Redis returning"
        )

    # Stored once each, and nothing refused was stored.
    stored = await make_chat(tenant).all_messages(sessionId=visitor.session_id)
    by_client = {m["clientMessageId"]: m["messageId"] for m in stored}
    assert len(by_client) == len(stored), "a clientMessageId stored twice"
    assert {c: by_client.get(c) for c in acked_by_client} == acked_by_client
    assert not set(refused) & set(by_client), "a send refused with 503 was stored"

    # Presence is listed again in the restarted Redis, without reconnecting.
    deadline = time.monotonic() + CAUGHT_UP_WITHIN_SECONDS
    while True:
        ack = await agent.call("get_online_users", {})
        if not ack.get("ok"):  # Redis a moment ago in doubt: refused, never a 500
            assert ack["error"]["code"] == "unavailable", ack
        elif any(u["sessionId"] == visitor.session_id for u in ack["users"]):
            break
        assert time.monotonic() < deadline, f"the visitor is not listed again: {ack}"
        await asyncio.sleep(0.5)
    assert tab.connected and far_tab.connected, "a socket was dropped by the outage"
