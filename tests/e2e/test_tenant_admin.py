"""CONTRACT §12–§13 against running servers: agents and keys over HTTP (roles, the last
admin, disabling and revoking reaching tokens at once and sockets within 5 s, on two
nodes too), one's own password, the audit log, and a visitor's export and erasure
(nothing of theirs left in the database, Redis or the data directory)."""

from __future__ import annotations

import asyncio
import contextlib
import io
import sqlite3
import time
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from support import contract
from support.clients import Tenant, Visitor, http_client
from support.flows import (
    Sockets,
    TenantChat,
    create_tenant,
    expect_server_disconnect,
    key_tenant,
)
from support.server import WebchatProcess


def bearer(server: WebchatProcess, token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


async def login(
    server: WebchatProcess, tenant: Tenant, email: str, password: str
) -> httpx.Response:
    async with http_client(server) as http:
        return await http.post(
            "/api/agent/login",
            json={"tenantId": tenant.tenant_id, "email": email, "password": password},
        )


async def new_agent(chat: TenantChat, role: str = "agent") -> tuple[dict, str, str]:
    """(agent, token, password) of a new agent created over HTTP."""
    email = f"a-{uuid.uuid4().hex[:8]}@example.com"
    password = "pw-" + uuid.uuid4().hex
    created = await chat.secret.post(
        "/api/agents",
        json={"email": email, "name": "Ann Agent", "role": role, "password": password},
    )
    agent = contract.expect_status(created, 201)["agent"]
    token = contract.expect_status(await login(chat.server, chat.tenant, email, password), 200)
    return agent, token["token"], password


async def test_agents_over_http(server: WebchatProcess, sockets: Sockets) -> None:
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        agent, token, password = await new_agent(chat)
        assert set(agent) == {
            "agentId",
            "email",
            "name",
            "role",
            "disabled",
            "capacity",
            "createdAt",
        }
        assert agent["role"] == "agent" and agent["disabled"] is False
        again = await chat.secret.post(
            "/api/agents",
            json={"email": agent["email"], "name": "x", "role": "agent", "password": "12345678"},
        )
        contract.expect_error(again, 409, "conflict")
        for bad in (
            {"email": "nope", "name": "x", "password": "12345678"},
            {"email": "b@example.com", "name": "x", "password": "short"},
            {"email": "b@example.com", "name": "x", "role": "owner", "password": "12345678"},
        ):
            contract.expect_error(
                await chat.secret.post("/api/agents", json=bad), 422, "invalid_request"
            )

        url = f"/api/agents/{agent['agentId']}"
        changed = await chat.secret.patch(url, json={"name": "Ann B.", "capacity": 3})
        assert contract.expect_status(changed, 200)["agent"]["capacity"] == 3
        contract.expect_error(await chat.secret.patch(url, json={}), 422, "invalid_request")
        contract.expect_error(
            await chat.secret.patch(url, json={"role": None}), 422, "invalid_request"
        )

        # An agent is refused every admin route.
        async with bearer(server, token) as as_agent:
            assert (await as_agent.get("/api/agents")).status_code == 200
            for method, path, body in (
                (
                    "POST",
                    "/api/agents",
                    {"email": "c@example.com", "name": "c", "password": "12345678"},
                ),
                ("PATCH", url, {"name": "me"}),
                ("GET", "/api/keys", None),
                ("POST", "/api/keys", {"kind": "public"}),
                ("DELETE", "/api/keys/pk_abcdefghi", None),
                ("GET", "/api/audit", None),
                ("DELETE", f"/api/visitors?sessionId={uuid.uuid4()}", None),
                ("GET", f"/api/visitors/export?sessionId={uuid.uuid4()}", None),
                ("GET", "/api/webhooks", None),
            ):
                response = await as_agent.request(method, path, json=body)
                contract.expect_error(response, 403, "forbidden")

            # Promoted: the same token is an admin's at once (the role is read per request).
            promoted = await chat.secret.patch(url, json={"role": "admin"})
            assert contract.expect_status(promoted, 200)["agent"]["role"] == "admin"
            assert (await as_agent.get("/api/keys")).status_code == 200
            # The last admin can be neither demoted nor disabled.
            for change in ({"role": "agent"}, {"disabled": True}):
                refused = await as_agent.patch(url, json=change)
                contract.expect_error(refused, 409, "conflict")

            # Disabled (with another admin in place): its token is refused at once, its
            # socket closed within 5 s, it cannot sign in again.
            _, other_token, _ = await new_agent(chat, role="admin")
            socket = await sockets.agent(server, token=token, label="to be disabled")
            async with bearer(server, other_token) as admin:
                disabled = await admin.patch(url, json={"disabled": True})
                at = time.monotonic()
                assert contract.expect_status(disabled, 200)["agent"]["disabled"] is True
            contract.expect_error(await as_agent.get("/api/agents"), 401, "invalid_token")
            await expect_server_disconnect(socket, at, "a disabled agent's console socket")
            error = await sockets.refused(server, {"token": token})
            assert error["code"] == "invalid_token", error
            response = await login(server, tenant, agent["email"], password)
            contract.expect_error(response, 401, "invalid_credentials")
            enabled = await chat.secret.patch(url, json={"disabled": False})
            assert contract.expect_status(enabled, 200)["agent"]["disabled"] is False
            assert (await as_agent.get("/api/agents")).status_code == 200

        # Another tenant's agent is not there.
        other_chat = TenantChat(create_tenant(server), server)
        try:
            response = await other_chat.secret.patch(url, json={"name": "x"})
            contract.expect_error(response, 404, "not_found")
        finally:
            await other_chat.aclose()
    finally:
        await chat.aclose()


async def test_own_password(server: WebchatProcess) -> None:
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        agent, token, password = await new_agent(chat)
        async with bearer(server, token) as me:
            wrong = await me.post(
                "/api/agent/password", json={"currentPassword": "nope", "newPassword": "x" * 12}
            )
            contract.expect_error(wrong, 403, "invalid_credentials")
            changed = await me.post(
                "/api/agent/password", json={"currentPassword": password, "newPassword": "n" * 12}
            )
            assert contract.expect_status(changed, 200) == {"ok": True}
        contract.expect_error(
            await login(server, tenant, agent["email"], password), 401, "invalid_credentials"
        )
        contract.expect_status(await login(server, tenant, agent["email"], "n" * 12), 200)
        by_key = await chat.secret.post(
            "/api/agent/password", json={"currentPassword": "a", "newPassword": "b" * 12}
        )
        contract.expect_error(by_key, 403, "forbidden")
    finally:
        await chat.aclose()


async def test_keys_over_http(server: WebchatProcess, sockets: Sockets) -> None:
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        created = contract.expect_status(
            await chat.secret.post("/api/keys", json={"kind": "secret"}), 201
        )
        assert set(created) == {"key", "prefix", "kind"} and created["kind"] == "secret"
        assert created["key"].startswith(created["prefix"]) and created["prefix"].startswith("sk_")
        async with bearer(server, created["key"]) as with_new:
            assert (await with_new.get("/api/conversations")).status_code == 200
            listed = contract.expect_status(await chat.secret.get("/api/keys"), 200)["keys"]
            mine = next(k for k in listed if k["prefix"] == created["prefix"])
            assert set(mine) == {"prefix", "kind", "createdAt", "lastUsedAt", "revokedAt"}
            assert mine["lastUsedAt"] is not None and mine["revokedAt"] is None
            assert all("key" not in k for k in listed)
            socket = await sockets.agent(server, api_key=created["key"], label="new key")
            revoked = await chat.secret.delete(f"/api/keys/{created['prefix']}")
            at = time.monotonic()
            contract.expect_status(revoked, 200)
            contract.expect_error(await with_new.get("/api/conversations"), 401, "invalid_api_key")
            await expect_server_disconnect(
                socket, at, "a socket opened with a key revoked over HTTP"
            )
        listed = contract.expect_status(await chat.secret.get("/api/keys"), 200)["keys"]
        assert next(k for k in listed if k["prefix"] == created["prefix"])["revokedAt"]
        contract.expect_error(await chat.secret.delete("/api/keys/pk_zzzzzzzzz"), 404, "not_found")
        contract.expect_error(
            await chat.secret.post("/api/keys", json={"kind": "x"}), 422, "invalid_request"
        )
        # Another tenant's key cannot be revoked from here.
        other = create_tenant(server)
        other_prefix = other.public_key[:12]
        contract.expect_error(
            await chat.secret.delete(f"/api/keys/{other_prefix}"), 404, "not_found"
        )
        async with http_client(server, other.public_key) as still:
            ok = await still.post("/webchat/session", json=Visitor().identity(other))
            assert ok.status_code == 200
    finally:
        await chat.aclose()


@pytest.mark.real_only
async def test_a_key_revoked_over_http_closes_its_socket_on_another_node(
    backend: str, make_server: Any, sockets: Sockets
) -> None:
    group = make_server.group(backend)
    node_a = make_server(backend, group=group, name="admin-a")
    node_b = make_server(backend, group=group, name="admin-b")
    tenant = create_tenant(node_a)
    chat = TenantChat(tenant, node_a)
    try:
        created = contract.expect_status(
            await chat.secret.post("/api/keys", json={"kind": "public"}), 201
        )
        tab = await sockets.visitor(key_tenant(tenant, created["key"]), Visitor(), server=node_b)
        contract.expect_status(await chat.secret.delete(f"/api/keys/{created['prefix']}"), 200)
        await expect_server_disconnect(tab, time.monotonic(), "a visitor socket on node B")
    finally:
        await chat.aclose()


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


def database_text(server: WebchatProcess) -> str:
    """Every row of every table, as text (embedded SQLite)."""
    db = sqlite3.connect(server.data_dir / "webchat.db")
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


async def test_export_then_erase_a_visitor(server: WebchatProcess, sockets: Sockets) -> None:
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        marker = "secret-" + uuid.uuid4().hex
        visitor = Visitor()
        sent = await chat.send(visitor, f"my address is {marker}")
        cid = sent["message"]["conversationId"]
        token = sent["session"]["token"]
        upload = await chat.public.post(
            "/webchat/attachments",
            files={"file": ("scan.png", png((12, 34, 56)), "image/png")},
            headers={"X-Session-Token": token},
        )
        attachment = contract.expect_status(upload, 201)["attachment"]
        await chat.send(visitor, "", attachments=[attachment["attachmentId"]])
        await chat.secret.post(f"/api/conversations/{cid}/notes", json={"text": f"note {marker}"})
        await chat.public.post(
            "/webchat/contact", json={**visitor.identity(tenant), "email": f"{marker}@example.com"}
        )
        async with http_client(server, strict=False) as http:
            stored = (await http.get(attachment["url"])).content

        export = await chat.secret.get(
            "/api/visitors/export", params={"sessionId": visitor.session_id}
        )
        document = contract.expect_status(export, 200)
        [entry] = document["conversations"]
        assert entry["conversation"]["conversationId"] == cid
        assert marker in entry["messages"][0]["text"]
        assert entry["messages"][1]["attachments"][0]["attachmentId"] == attachment["attachmentId"]
        assert entry["notes"][0]["text"] == f"note {marker}"
        assert entry["contact"]["email"] == f"{marker}@example.com"

        tab = await sockets.visitor(tenant, visitor)
        erased = await chat.secret.delete("/api/visitors", params={"sessionId": visitor.session_id})
        at = time.monotonic()
        assert contract.expect_status(erased, 200) == {
            "erased": {"conversations": 1, "messages": 2, "attachments": 1}
        }
        await expect_server_disconnect(tab, at, "an erased visitor's socket")
        # Idempotent; history empty; a new message starts a new conversation.
        again = await chat.secret.delete("/api/visitors", params={"sessionId": visitor.session_id})
        assert contract.expect_status(again, 200)["erased"]["conversations"] == 0
        history = await chat.history(sessionId=visitor.session_id)
        assert history["messages"] == []
        fresh = await chat.send(visitor, "hello again")
        assert fresh["message"]["conversationId"] != cid
        async with http_client(server, strict=False) as http:
            assert (await http.get(attachment["url"])).status_code in (403, 404)

        # Nothing left: not in the database, not among the files.
        if server.group.backend == "embedded":  # type: ignore[attr-defined]
            assert marker not in database_text(server)
        files = [p for p in server.data_dir.rglob("*") if p.is_file() and "attachments" in p.parts]
        assert all(stored not in p.read_bytes() for p in files)

        audit = contract.expect_status(await chat.secret.get("/api/audit"), 200)
        actions = [e["action"] for e in audit["entries"]]
        assert "visitor.erased" in actions and "visitor.exported" in actions
        erasure = next(e for e in audit["entries"] if e["action"] == "visitor.erased")
        assert erasure["target"] == f"session:{visitor.session_id}"
        assert erasure["actor"]["kind"] == "key"
        for bad in ({}, {"sessionId": "nope"}, {"sessionId": visitor.session_id, "userId": "u"}):
            response = await chat.secret.delete("/api/visitors", params=bad)
            contract.expect_error(response, 422, "invalid_request")
    finally:
        await chat.aclose()


async def test_the_audit_log_records_who_changed_what(server: WebchatProcess) -> None:
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        agent, token, _ = await new_agent(chat, role="admin")
        async with bearer(server, token) as admin:
            settings = await admin.patch("/api/settings", json={"assignment": "auto"})
            contract.expect_status(settings, 200)
            key = contract.expect_status(
                await admin.post("/api/keys", json={"kind": "public"}), 201
            )
            contract.expect_status(await admin.delete(f"/api/keys/{key['prefix']}"), 200)
            hook = await admin.post(
                "/api/webhooks", json={"url": "https://hooks.example.com/x", "events": ["*"]}
            )
            contract.expect_status(hook, 201)
            page = contract.expect_status(await admin.get("/api/audit", params={"limit": 3}), 200)
            assert len(page["entries"]) == 3 and page["nextBefore"]
            rest = await admin.get("/api/audit", params={"before": page["nextBefore"]})
            entries = page["entries"] + contract.expect_status(rest, 200)["entries"]
        actions = [e["action"] for e in entries]
        assert actions[:4] == ["webhook.created", "key.revoked", "key.created", "settings.changed"]
        assert "agent.signed_in" in actions and "agent.created" in actions
        mine = [e for e in entries if e["action"] in {"webhook.created", "settings.changed"}]
        assert all(e["actor"] == {"kind": "agent", "id": agent["agentId"]} for e in mine)
        assert entries[1]["target"] == key["prefix"]
        times = [contract.parse_time(e["at"]) for e in entries]
        assert times == sorted(times, reverse=True)
        other = TenantChat(create_tenant(server), server)
        try:
            theirs = contract.expect_status(await other.secret.get("/api/audit"), 200)["entries"]
            assert all(e["target"] != key["prefix"] for e in theirs)
        finally:
            await other.aclose()
    finally:
        await chat.aclose()


async def test_retention_erases_conversations_past_the_tenants_days(make_server: Any) -> None:
    server = make_server("embedded", env={"WEBCHAT_RETENTION_CHECK_SECONDS": "0.5"})
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        old, recent = Visitor(), Visitor()
        gone = (await chat.send(old, "from long ago"))["message"]["conversationId"]
        kept = (await chat.send(recent, "from today"))["message"]["conversationId"]
        db = sqlite3.connect(server.data_dir / "webchat.db")
        try:
            db.execute(
                "UPDATE conversations SET last_activity_at = '2020-01-01 00:00:00.000000' "
                "WHERE id = ?",
                (gone,),
            )
            db.commit()
        finally:
            db.close()
        settings = await chat.secret.patch("/api/settings", json={"retentionDays": 30})
        contract.expect_status(settings, 200)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            listed = contract.expect_status(await chat.secret.get("/api/conversations"), 200)
            ids = {c["conversationId"] for c in listed["conversations"]}
            if gone not in ids:
                break
            await asyncio.sleep(0.3)
        assert gone not in ids and kept in ids
        assert (await chat.history(sessionId=old.session_id))["messages"] == []
        metrics = (await chat.anonymous.get("/metrics")).text
        assert "webchat_retention_erased_conversations_total 1.0" in metrics
    finally:
        await chat.aclose()


async def everything_in_postgres(database_url: str) -> str:
    import asyncpg

    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        tables = [
            r["tablename"]
            for r in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            )
        ]
        rows = []
        for table in tables:
            for row in await connection.fetch(f'SELECT row_to_json(t)::text AS j FROM "{table}" t'):
                rows.append(row["j"])
        return "\n".join(rows)
    finally:
        await connection.close()


async def everything_in_redis(url: str) -> str:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    try:
        found = []
        async for key in client.scan_iter(count=1000):
            kind = (await client.type(key)).decode()
            found.append(key.decode())
            if kind == "string":
                found.append(repr(await client.get(key)))
            elif kind == "hash":
                found.append(repr(await client.hgetall(key)))
            elif kind == "set":
                found.append(repr(await client.smembers(key)))
            elif kind == "stream":
                found.append(repr(await client.xrange(key)))
            elif kind == "list":
                found.append(repr(await client.lrange(key, 0, -1)))
            elif kind == "zset":
                found.append(repr(await client.zrange(key, 0, -1)))
        return "\n".join(found)
    finally:
        await client.aclose()


@pytest.mark.real_only
async def test_an_erasure_cut_short_by_kill_9_completes_when_run_again(
    backend: str, make_server: Any, sockets: Sockets
) -> None:
    server = make_server(backend)
    group = server.group  # type: ignore[attr-defined]
    tenant = create_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        marker = "forget-" + uuid.uuid4().hex
        visitor = Visitor(user_info={"name": marker})
        sent = await chat.send(visitor, f"text {marker}")
        cid = sent["message"]["conversationId"]
        upload = await chat.public.post(
            "/webchat/attachments",
            files={"file": ("me.png", png((200, 10, 90)), "image/png")},
            headers={"X-Session-Token": sent["session"]["token"]},
        )
        attachment = contract.expect_status(upload, 201)["attachment"]
        await chat.send(visitor, "", attachments=[attachment["attachmentId"]])
        async with http_client(server, strict=False) as http:
            stored = (await http.get(attachment["url"])).content
        await chat.secret.post(f"/api/conversations/{cid}/notes", json={"text": marker})
        await asyncio.sleep(0.5)  # the stream entries are written after the commit
        assert marker in await everything_in_redis(group.redis.url)
        assert marker in await everything_in_postgres(group.database_url)

        # The erasure is cut short somewhere by kill -9, then run again to the end.
        params = {"sessionId": visitor.session_id}
        attempt = asyncio.create_task(chat.secret.delete("/api/visitors", params=params))
        await asyncio.sleep(0.005)
        server.kill()
        with contextlib.suppress(httpx.HTTPError):
            await attempt
        server.restart()
        await chat.aclose()
        chat = TenantChat(tenant, server)
        contract.expect_status(await chat.secret.delete("/api/visitors", params=params), 200)

        assert marker not in await everything_in_postgres(group.database_url)
        assert marker not in await everything_in_redis(group.redis.url)
        assert visitor.session_id not in await everything_in_redis(group.redis.url)
        files = [p for p in server.data_dir.rglob("*") if p.is_file()]
        assert all(stored not in p.read_bytes() for p in files)
        assert (await chat.history(sessionId=visitor.session_id))["messages"] == []
    finally:
        await chat.aclose()
