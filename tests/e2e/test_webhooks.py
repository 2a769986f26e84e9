"""CONTRACT §10 against running servers and a real HTTP receiver (`support/webhook_receiver`):
signed deliveries of every event type, verified by the snippets of docs/webhooks.md;
retries with one eventId; a kill -9 while the receiver is down; two nodes delivering each
event once, in order per conversation; a slow receiver holding back nothing else; the SSRF
guard at creation and at delivery; the routes' rules; the pull API."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import contract
from support.clients import Tenant, Visitor
from support.flows import TenantChat, create_agent, create_tenant, login
from support.server import WebchatProcess
from support.webhook_receiver import Receipt, WebhookReceiver
from webchat.db import Database
from webchat.db.webhooks import WebhookRecord, insert_webhook
from webchat.ids import new_ulid

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
HOOK_ENV = {"WEBCHAT_WEBHOOK_ALLOW_PRIVATE": "true", "WEBCHAT_WEBHOOK_POLL_SECONDS": "0.2"}
EVENT_KEYS = {"eventId", "type", "tenantId", "createdAt", "data"}


@pytest.fixture
async def receiver() -> AsyncIterator[WebhookReceiver]:
    hooks = await WebhookReceiver().start()
    yield hooks
    await hooks.stop()


@pytest.fixture(scope="module")
def hook_server(backend: str, launcher: Any) -> WebchatProcess:
    """A server that may deliver to the test's loopback receiver."""
    return launcher.start(backend, name=f"webhooks-{backend}", env=HOOK_ENV)


async def add_webhook(chat: TenantChat, url: str, events: list[str] | None = None) -> dict:
    response = await chat.secret.post("/api/webhooks", json={"url": url, "events": events or ["*"]})
    return contract.expect_status(response, 201)


def doc_snippet(language: str) -> str:
    text = DOC.read_text()
    section = text[text.index("## Verifying signatures") :]
    match = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert match, f"docs/webhooks.md has no {language} block under Verifying signatures"
    return match.group(1)


def python_verifies(secret: str, receipt: Receipt) -> bool:
    scope: dict[str, Any] = {}
    exec(doc_snippet("python"), scope)
    return bool(
        scope["verify_webchat_signature"](
            secret, receipt.body, receipt.headers["Webchat-Signature"]
        )
    )


def node_verifies(secret: str, receipts: list[Receipt]) -> list[bool]:
    harness = (
        doc_snippet("js")
        + """
const cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
console.log(JSON.stringify(cases.map((c) =>
  verifyWebchatSignature(c.secret, Buffer.from(c.body, 'base64'), c.header))));
"""
    )
    cases = [
        {
            "secret": secret,
            "body": base64.b64encode(r.body).decode(),
            "header": r.headers["Webchat-Signature"],
        }
        for r in receipts
    ]
    out = subprocess.run(
        ["node", "-e", harness], input=json.dumps(cases), capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def without_urls(data: Any) -> Any:
    """Attachment links are signed afresh at each read: compare everything else."""
    if isinstance(data, dict):
        return {k: without_urls(v) for k, v in data.items() if k != "url"}
    if isinstance(data, list):
        return [without_urls(v) for v in data]
    return data


async def pull_all(chat: TenantChat, within: float = 10.0, count: int = 1) -> list[dict]:
    """The pull API's events, paging with nextAfter, once at least `count` are there."""
    deadline = time.monotonic() + within
    while True:
        events: list[dict] = []
        after = None
        while True:
            params = {"limit": 50, **({"after": after} if after else {})}
            page = contract.expect_status(await chat.secret.get("/api/events", params=params), 200)
            events += page["events"]
            if not page["events"]:
                assert page["nextAfter"] == after
                break
            after = page["nextAfter"]
        if len(events) >= count or time.monotonic() > deadline:
            return events
        await asyncio.sleep(0.3)


async def test_every_event_type_is_delivered_signed(
    hook_server: WebchatProcess, receiver: WebhookReceiver
) -> None:
    tenant = create_tenant(hook_server)
    chat = TenantChat(tenant, hook_server)
    try:
        created = await add_webhook(chat, receiver.url())
        secret = created["secret"]
        assert secret.startswith("whsec_") and len(secret) > 30
        assert set(created["webhook"]) == {"webhookId", "url", "events", "description", "createdAt"}
        visitor = Visitor()
        sent = await chat.send(visitor, "Hello, is my order shipped?")
        message = sent["message"]
        cid = message["conversationId"]
        patched = await chat.secret.patch(f"/api/conversations/{cid}", json={"labels": ["vip"]})
        contract.expect_status(patched, 200)
        note = await chat.secret.post(f"/api/conversations/{cid}/notes", json={"text": "VIP"})
        contract.expect_status(note, 201)
        read = await chat.secret.post(
            f"/api/conversations/{cid}/read", json={"upTo": message["messageId"]}
        )
        contract.expect_status(read, 200)
        contact = await chat.public.post(
            "/webchat/contact", json={**visitor.identity(tenant), "email": "ann@example.com"}
        )
        contract.expect_status(contact, 200)

        wanted = {
            "message.created",
            "conversation.created",
            "conversation.updated",
            "note.created",
            "messages.read",
            "contact.updated",
        }
        got = await receiver.wait_for(
            lambda rs: wanted <= {r.json["type"] for r in rs}, what="every event type"
        )
        by_type = {r.json["type"]: r for r in got}
        for receipt in got:
            event = receipt.json
            assert set(event) == EVENT_KEYS, event
            assert receipt.headers["Content-Type"] == "application/json"
            assert receipt.event_id == event["eventId"]
            assert event["tenantId"] == tenant.tenant_id
            contract.parse_time(event["createdAt"])
        assert all(python_verifies(secret, r) for r in got)
        assert node_verifies(secret, got) == [True] * len(got)
        assert not python_verifies("whsec_wrong", got[0])
        tampered = Receipt(got[0].path, got[0].headers, got[0].body + b" ", got[0].at)
        assert node_verifies(secret, [tampered]) == [False]

        assert without_urls(by_type["message.created"].json["data"]) == without_urls(message)
        assert by_type["conversation.created"].json["data"]["conversationId"] == cid
        assert "vip" in by_type["conversation.updated"].json["data"]["labels"]
        assert by_type["note.created"].json["data"]["text"] == "VIP"
        receipt = by_type["messages.read"].json["data"]
        assert receipt["reader"] == "agent" and receipt["upTo"] == message["messageId"]
        contact_data = by_type["contact.updated"].json["data"]
        assert contact_data["visitor"]["email"] == "ann@example.com"

        # The pull API: the same events, oldest first.
        pulled = await pull_all(chat, count=len(got))
        assert [e["eventId"] for e in pulled] == sorted(r.event_id for r in got)
        assert {e["eventId"]: e["type"] for e in pulled} == {
            r.event_id: r.json["type"] for r in got
        }
        # Delivered once each; the list shows the last delivery.
        assert max(Counter(r.event_id for r in got).values()) == 1
        listed = contract.expect_status(await chat.secret.get("/api/webhooks"), 200)["webhooks"]
        assert listed[0]["lastDelivery"]["status"] in {"delivered", "pending"}
    finally:
        await chat.aclose()


async def test_failures_are_retried_with_the_same_event_id(
    hook_server: WebchatProcess, receiver: WebhookReceiver
) -> None:
    tenant = create_tenant(hook_server)
    chat = TenantChat(tenant, hook_server)
    try:
        receiver.behave("/flaky", fail_first=2)
        created = await add_webhook(chat, receiver.url("/flaky"), ["message.created"])
        webhook_id = created["webhook"]["webhookId"]
        await chat.send(Visitor(), "retry me")
        got = await receiver.wait_for(lambda rs: len(rs) >= 3, path="/flaky", what="3 attempts")
        assert len({r.event_id for r in got}) == 1, "one event, attempted three times"
        assert got[1].at - got[0].at >= 0.7 and got[2].at - got[1].at >= 1.4, "backoff"
        assert [r.json["type"] for r in got] == ["message.created"] * 3, "types filtered"

        async def settled() -> dict:
            url = f"/api/webhooks/{webhook_id}/deliveries"
            for _ in range(50):
                body = contract.expect_status(await chat.secret.get(url), 200)
                if body["deliveries"] and body["deliveries"][0]["status"] == "delivered":
                    return body["deliveries"][0]
                await asyncio.sleep(0.1)
            raise AssertionError(body)

        delivery = await settled()
        assert delivery["attempts"] == 3 and delivery["lastStatusCode"] == 200
        metrics = (await chat.anonymous.get("/metrics")).text
        for outcome in ("delivered", "retry"):
            line = f'webchat_webhook_deliveries_total{{outcome="{outcome}"}}'
            assert line in metrics, f"/metrics lacks {line}"
        assert "webchat_webhook_delivery_seconds_count" in metrics
        assert "webchat_webhook_queue_depth" in metrics
        assert delivery["eventId"] == got[0].event_id and delivery["nextAttemptAt"] is None

        # Redeliver: the same event once more.
        again = await chat.secret.post(
            f"/api/webhooks/{webhook_id}/deliveries/{delivery['eventId']}/redeliver"
        )
        assert contract.expect_status(again, 202)["delivery"]["status"] == "pending"
        await receiver.wait_for(lambda rs: len(rs) >= 4, path="/flaky", what="the redelivery")
        assert receiver.at("/flaky")[3].event_id == delivery["eventId"]
    finally:
        await chat.aclose()


async def test_a_slow_receiver_holds_back_no_other_webhook(
    hook_server: WebchatProcess, receiver: WebhookReceiver
) -> None:
    tenant = create_tenant(hook_server)
    chat = TenantChat(tenant, hook_server)
    try:
        receiver.behave("/slow", delay=6)
        await add_webhook(chat, receiver.url("/slow"), ["message.created"])
        await add_webhook(chat, receiver.url("/fast"), ["message.created"])
        started = time.monotonic()
        for i in range(12):
            await chat.send(Visitor(), f"message {i}")
        await receiver.wait_for(lambda rs: len(rs) >= 12, path="/fast", what="fast deliveries")
        assert time.monotonic() - started < 5.5, "the fast receiver waited for the slow one"
        assert len(receiver.at("/slow")) <= 4 + 1, "at most 4 requests at a time to one webhook"
    finally:
        await chat.aclose()


async def test_routes_answer_admins_only_and_keep_tenants_apart(
    server: WebchatProcess, tenant: Tenant
) -> None:
    chat = TenantChat(tenant, server)
    other = TenantChat(create_tenant(server), server)
    agent = create_agent(server, tenant)
    token = await login(server, agent)
    try:
        body = {"url": "https://hooks.example.com/x", "events": ["*"]}
        for response in (
            await chat.public.post("/api/webhooks", json=body),
            await chat.public.get("/api/events"),
        ):
            contract.expect_error(response, 403, "forbidden")
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}
        ) as as_agent:
            for response in (
                await as_agent.post("/api/webhooks", json=body),
                await as_agent.get("/api/webhooks"),
                await as_agent.get("/api/events"),
            ):
                contract.expect_error(response, 403, "forbidden")
        bad_bodies: list[Any] = [
            {"url": "ftp://hooks.example.com/x", "events": ["*"]},
            {"url": "https://hooks.example.com/x", "events": []},
            {"url": "https://hooks.example.com/x", "events": ["message.deleted"]},
            {"url": "not a url", "events": ["*"]},
            {"url": "https://" + "a" * 2050 + ".com", "events": ["*"]},
            {"events": ["*"]},
            [],
        ]
        for bad in bad_bodies:
            response = await chat.secret.post("/api/webhooks", json=bad)
            contract.expect_error(response, 422, "invalid_request")
        # Without WEBCHAT_WEBHOOK_ALLOW_PRIVATE: nothing that is or resolves to a private,
        # loopback or link-local address (refused at resolution: nothing is sent).
        for url in (
            "http://127.0.0.1:9/x",
            "http://10.1.2.3/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:9/x",
            "http://[::ffff:127.0.0.1]:9/x",
            "http://localhost:9/x",
            "http://192.168.0.10/x",
        ):
            refused = await chat.secret.post("/api/webhooks", json={"url": url, "events": ["*"]})
            error = contract.expect_error(refused, 422, "invalid_request")
            assert error["message"].startswith("url:"), error

        # Another tenant's webhook is not there; deleting one takes it away.
        mine = await add_webhook(other, "https://hooks.example.com/theirs")
        webhook_id = mine["webhook"]["webhookId"]
        event_id = "01" + "A" * 24
        for response in (
            await chat.secret.get(f"/api/webhooks/{webhook_id}/deliveries"),
            await chat.secret.delete(f"/api/webhooks/{webhook_id}"),
            await chat.secret.post(f"/api/webhooks/{webhook_id}/deliveries/{event_id}/redeliver"),
        ):
            contract.expect_error(response, 404, "not_found")
        missing = await other.secret.post(
            f"/api/webhooks/{webhook_id}/deliveries/{event_id}/redeliver"
        )
        contract.expect_error(missing, 404, "not_found")
        assert (await other.secret.delete(f"/api/webhooks/{webhook_id}")).status_code == 204
        gone = await other.secret.get(f"/api/webhooks/{webhook_id}/deliveries")
        contract.expect_error(gone, 404, "not_found")
        listed = contract.expect_status(await other.secret.get("/api/webhooks"), 200)
        assert listed == {"webhooks": []}
        for bad_after in ("x", "01" + "a" * 24):
            response = await chat.secret.get("/api/events", params={"after": bad_after})
            contract.expect_error(response, 422, "invalid_request")
    finally:
        await chat.aclose()
        await other.aclose()


async def test_private_addresses_are_refused_at_delivery_too(
    server: WebchatProcess, receiver: WebhookReceiver
) -> None:
    """A webhook row that points at loopback (as if its name had been re-pointed after it
    was created) gets nothing: the dispatcher's resolver refuses it."""
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    group = server.group  # type: ignore[attr-defined]
    url = group.database_url or f"sqlite+aiosqlite:///{(server.data_dir / 'webchat.db').resolve()}"
    db = Database(url)
    try:
        for host in ("localhost", "127.0.0.1"):
            record = WebhookRecord(
                webhook_id=new_ulid(),
                tenant_id=tenant.tenant_id,
                url=receiver.url(f"/{host}", host=host),
                events=["*"],
                description=None,
                secret="whsec_test",
                created_at=datetime.now(UTC),
            )
            await insert_webhook(db, record)
        await chat.send(Visitor(), "must not leave")
        listed = contract.expect_status(await chat.secret.get("/api/webhooks"), 200)["webhooks"]

        async def refused(webhook_id: str) -> dict:
            for _ in range(60):
                url = f"/api/webhooks/{webhook_id}/deliveries"
                deliveries = contract.expect_status(await chat.secret.get(url), 200)["deliveries"]
                tried = [d for d in deliveries if d["attempts"] > 0]
                if tried:
                    return tried[0]
                await asyncio.sleep(0.2)
            raise AssertionError("no attempt recorded")

        for webhook in listed:
            delivery = await refused(webhook["webhookId"])
            assert delivery["status"] == "pending" and delivery["lastStatusCode"] is None
            assert "refused" in delivery["lastError"], delivery
        assert receiver.receipts == [], "nothing reached the loopback receiver"
    finally:
        await db.close()
        await chat.aclose()


async def test_an_event_committed_before_a_crash_is_delivered_after_the_restart(
    backend: str, make_server: Any, receiver: WebhookReceiver
) -> None:
    server = make_server(backend, env=HOOK_ENV)
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        await add_webhook(chat, receiver.url(), ["message.created"])
        await receiver.stop()  # the receiver is down
        sent = await chat.send(Visitor(), "before the crash")
        await asyncio.sleep(0.6)  # the dispatcher tries, and fails
        server.kill()
        await receiver.start()
        server.restart()
        got = await receiver.wait_for(lambda rs: len(rs) >= 1, within=30, what="the event")
        assert got[0].json["data"]["messageId"] == sent["message"]["messageId"]
    finally:
        await chat.aclose()


@pytest.mark.real_only
async def test_two_nodes_deliver_each_event_once_in_order(
    backend: str, make_server: Any, receiver: WebhookReceiver
) -> None:
    group = make_server.group(backend)
    nodes = [make_server(group=group, name=f"hooks-{i}", env=HOOK_ENV) for i in range(2)]
    tenant = create_tenant(nodes[0])
    chats = [TenantChat(tenant, node) for node in nodes]
    try:
        await add_webhook(chats[0], receiver.url(), ["message.created"])
        visitors = [Visitor() for _ in range(10)]
        sent: list[dict] = []

        async def talk(visitor: Visitor, n: int) -> None:
            for i in range(30):
                body = await chats[(n + i) % 2].send(visitor, f"{n}:{i}")
                sent.append(body["message"])

        await asyncio.gather(*(talk(v, n) for n, v in enumerate(visitors)))
        got = await receiver.wait_for(
            lambda rs: len({r.event_id for r in rs}) >= len(sent), within=60, what="every event"
        )
        await asyncio.sleep(1.5)  # anything delivered twice would arrive by now
        counts = Counter(r.event_id for r in receiver.receipts)
        assert len(counts) == len(sent) == 300
        assert max(counts.values()) == 1, counts.most_common(3)
        delivered = {r.json["data"]["messageId"] for r in got}
        assert delivered == {m["messageId"] for m in sent}
        # One conversation's events arrive in order.
        by_conversation: dict[str, list[str]] = {}
        for receipt in receiver.receipts:
            data = receipt.json["data"]
            by_conversation.setdefault(data["conversationId"], []).append(data["messageId"])
        for ids in by_conversation.values():
            assert ids == sorted(ids)
        pulled = await pull_all(chats[1], count=len(sent) + 10)
        message_events = [e["eventId"] for e in pulled if e["type"] == "message.created"]
        assert message_events == sorted(counts)
    finally:
        for chat in chats:
            await chat.aclose()
