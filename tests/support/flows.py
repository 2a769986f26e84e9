"""The few request sequences almost every e2e test needs, each asserting the happy path."""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any

import httpx
import pytest

from . import contract
from .clients import (
    Agent,
    HandshakeRefused,
    SocketClient,
    Tenant,
    Visitor,
    http_client,
)
from .server import WebchatProcess


def new_tenant_id() -> str:
    return "t-" + uuid.uuid4().hex[:10]


def create_tenant(
    server: WebchatProcess,
    allowed_origins: tuple[str, ...] | list[str] = (),
    tenant_id: str | None = None,
    name: str | None = None,
) -> Tenant:
    tenant_id = tenant_id or new_tenant_id()
    args = ["tenant", "create", tenant_id]
    if name:
        args += ["--name", name]
    for origin in allowed_origins:
        args += ["--allowed-origin", origin]
    out = server.cli(*args)
    for key in ("tenantId", "publicKey", "secretKey", "identitySecret"):
        assert key in out, f"`webchat tenant create` output lacks {key}: {out!r}"
    assert out["tenantId"] == tenant_id, out
    return Tenant(
        server=server,
        tenant_id=tenant_id,
        public_key=out["publicKey"],
        secret_key=out["secretKey"],
        identity_secret=out["identitySecret"],
        allowed_origins=tuple(allowed_origins),
    )


def create_agent(
    server: WebchatProcess,
    tenant: Tenant,
    email: str | None = None,
    password: str | None = None,
) -> Agent:
    email = email or f"agent-{uuid.uuid4().hex[:8]}@example.com"
    password = password or "pw-" + uuid.uuid4().hex
    out = server.cli(
        "agent", "create", tenant.tenant_id, email, "--password-stdin", stdin=password + "\n"
    )
    assert isinstance(out.get("agentId"), str | int), f"agent create output: {out!r}"
    return Agent(tenant=tenant, agent_id=str(out["agentId"]), email=email, password=password)


async def login(server: WebchatProcess, agent: Agent) -> str:
    async with http_client(server) as http:
        response = await http.post(
            "/api/agent/login",
            json={
                "tenantId": agent.tenant.tenant_id,
                "email": agent.email,
                "password": agent.password,
            },
        )
    body = contract.expect_status(response, 200)
    assert isinstance(body.get("token"), str), body
    contract.parse_time(body.get("expiresAt"))
    agent.token = body["token"]
    return agent.token


class TenantChat:
    """One tenant on one server, seen by its widget (public key) and its backend (secret key)."""

    def __init__(self, tenant: Tenant, server: WebchatProcess | None = None) -> None:
        self.tenant = tenant
        self.server = server or tenant.server
        self.public = http_client(self.server, tenant.public_key)
        self.secret = http_client(self.server, tenant.secret_key)
        self.anonymous = http_client(self.server)

    async def session(self, visitor: Visitor, **extra: Any) -> dict:
        response = await self.public.post(
            "/webchat/session", json={**visitor.identity(self.tenant), **extra}
        )
        body = contract.expect_status(response, 200)
        return contract.check_session(body, sessionId=visitor.session_id)

    async def send(
        self,
        visitor: Visitor,
        text: str,
        client_message_id: str | None = None,
        **extra: Any,
    ) -> dict:
        """POST /webchat/message; returns the whole 201 body ``{message, session}``."""
        payload = {**visitor.identity(self.tenant), "text": text, **extra}
        if client_message_id:
            payload["clientMessageId"] = client_message_id
        response = await self.public.post("/webchat/message", json=payload)
        body = contract.expect_status(response, 201)
        contract.check_message(
            body.get("message"), text=text, sender="visitor", tenantId=self.tenant.tenant_id
        )
        contract.check_session(body.get("session"), sessionId=visitor.session_id)
        return body

    async def history(self, client: httpx.AsyncClient | None = None, **query: Any) -> dict:
        response = await (client or self.secret).get("/api/chat/messages", params=query)
        body = contract.expect_status(response, 200)
        assert isinstance(body.get("messages"), list) and "nextBefore" in body, body
        for message in body["messages"]:
            contract.check_message(message)
        return body

    async def all_messages(self, client: httpx.AsyncClient | None = None, **query: Any) -> list:
        """Every page of a history, oldest first (bounded: at most 100 pages)."""
        pages: list[list[dict]] = []
        before = None
        for _ in range(100):
            params = dict(query, limit=query.get("limit", 200))
            if before:
                params["before"] = before
            body = await self.history(client, **params)
            if body["messages"]:
                pages.append(body["messages"])
            before = body["nextBefore"]
            if not before or not body["messages"]:
                break
        else:
            raise AssertionError("history pagination did not terminate in 100 pages")
        return [m for page in reversed(pages) for m in page]

    async def visitor_history(self, token: str, **query: Any) -> dict:
        response = await self.public.get(
            "/api/chat/messages", params=query, headers={"X-Session-Token": token}
        )
        body = contract.expect_status(response, 200)
        return body

    async def aclose(self) -> None:
        for client in (self.public, self.secret, self.anonymous):
            await client.aclose()


class Sockets:
    """Opens Socket.IO clients for a test and closes them all afterwards."""

    def __init__(self) -> None:
        self.clients: list[SocketClient] = []

    def new(self, server: WebchatProcess, label: str = "socket") -> SocketClient:
        client = SocketClient(server, label)
        self.clients.append(client)
        return client

    async def visitor(
        self,
        tenant: Tenant,
        visitor: Visitor,
        server: WebchatProcess | None = None,
        headers: dict[str, str] | None = None,
        label: str | None = None,
        wait_session: bool = True,
        transports: tuple[str, ...] = ("websocket",),
        **auth_extra: Any,
    ) -> SocketClient:
        auth = {"apiKey": tenant.public_key, **visitor.identity(tenant), **auth_extra}
        client = self.new(server or tenant.server, label or f"visitor {visitor.session_id[:8]}")
        await client.connect(auth, headers=headers, transports=transports)
        if wait_session:
            session = await client.wait_for("session")
            contract.check_session(session, sessionId=visitor.session_id)
        return client

    async def agent(
        self,
        server: WebchatProcess,
        token: str | None = None,
        api_key: str | None = None,
        label: str = "agent",
    ) -> SocketClient:
        auth = {"token": token} if token else {"apiKey": api_key}
        client = self.new(server, label)
        await client.connect(auth)
        return client

    async def refused(
        self,
        server: WebchatProcess,
        auth: Any,
        headers: dict[str, str] | None = None,
    ) -> dict:
        """Connect expecting a refusal; return the §3 error from ``connect_error`` data."""
        client = self.new(server, "refused")
        try:
            await client.connect(auth, headers=headers, timeout=8)
        except HandshakeRefused as refused:
            return refused.error
        raise AssertionError(f"handshake with auth={auth!r} was accepted, expected a refusal")

    async def close_all(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.close()
        self.clients.clear()


async def check_front_end_route(server: WebchatProcess, path: str, kind: str) -> None:
    async with http_client(server, strict=False) as http:
        response = await http.get(path)
    if response.status_code == 503:
        pytest.skip(f"{path}: front-end bundle not built (server answered 503)")
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    assert kind in response.headers.get("content-type", ""), response.headers
    assert response.content.strip(), f"{path} is empty"


def key_tenant(tenant: Tenant, key: str) -> Tenant:
    """The same tenant seen through another of its keys."""
    return Tenant(tenant.server, tenant.tenant_id, key, "", tenant.identity_secret)


DISCONNECT_WITHIN = 5.0


async def expect_server_disconnect(client: SocketClient, since: float, what: str) -> None:
    """The server drops ``client`` within DISCONNECT_WITHIN seconds of ``since`` (the
    revocation, disabling or erasure that must reach open sockets, CONTRACT §12–§13)."""
    if client.disconnected.is_set():
        return
    left = max(0.1, since + DISCONNECT_WITHIN - time.monotonic())
    try:
        await client.wait_disconnect(left)
    except TimeoutError:
        raise AssertionError(
            f"{what}: the socket is still connected {DISCONNECT_WITHIN:.0f}s later "
            f"(connected={client.connected}); it must be closed within 5 s"
        ) from None


def follow_like_the_widget(tab: SocketClient, visitor: Visitor) -> set[str]:
    """The message ids this tab has: live events, and what a `sync` returns each time the
    server asks for one (what widget/src/lib/ws.ts does)."""
    seen: set[str] = set()

    @tab.sio.on("meta_message_created")
    async def _live(message: dict) -> None:
        seen.add(message["messageId"])
        await tab._record("meta_message_created", message)

    @tab.sio.on("sync")
    async def _asked(data: Any) -> None:
        # From the newest message had when asked (the server asks before it delivers
        # anything that came after the gap), or from where the gap began if older: the
        # other node's messages of the gap are older than this node's newest.
        after = min(max(seen), data["after"])
        await tab._record("sync", data)
        ack = await tab.sio.call(
            "sync", {"sessionId": visitor.session_id, "after": after}, timeout=15
        )
        assert ack.get("ok"), ack
        seen.update(m["messageId"] for m in ack["messages"])

    return seen
