"""Helpers for the support-desk tests (CONTRACT §8, §9 settings, §13 roles).

Everything here talks to a running server through HTTP, Socket.IO or the CLI only.
The CLI costs ~2 s a call, so tenants and agents are made in parallel threads and once
per module where the tests allow it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from . import contract
from .clients import Agent, SocketClient, Tenant, http_client
from .flows import create_tenant, login
from .server import WebchatProcess

# CONTRACT §8: a conversation, wherever it appears.
CONVERSATION_KEYS = {
    "conversationId",
    "tenantId",
    "sessionId",
    "userId",
    "visitor",
    "status",
    "assigneeId",
    "labels",
    "snoozedUntil",
    "visitorLastReadId",
    "agentLastReadId",
    "unreadCount",
    "lastMessage",
    "lastActivityAt",
    "createdAt",
}
VISITOR_KEYS = {"userId", "userInfo", "email", "name"}
NOTE_KEYS = {"noteId", "conversationId", "agentId", "text", "attachments", "createdAt"}
CANNED_KEYS = {"cannedResponseId", "shortcut", "text"}
AGENT_KEYS = {"agentId", "email", "name", "role", "disabled", "capacity", "createdAt"}
READ_KEYS = {"conversationId", "reader", "upTo", "readAt"}
STATUSES = ("open", "pending", "snoozed", "closed")


@dataclass
class DeskAgent(Agent):
    role: str = "agent"
    name: str = ""


def cli_agent(
    server: WebchatProcess, tenant: Tenant, role: str = "agent", name: str | None = None
) -> DeskAgent:
    """`webchat agent create ID EMAIL --password-stdin [--name N] --role R`."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@desk.example"
    password = "pw-" + uuid.uuid4().hex
    name = name or f"{role.title()} {uuid.uuid4().hex[:4]}"
    out = server.cli(
        "agent",
        "create",
        tenant.tenant_id,
        email,
        "--password-stdin",
        "--name",
        name,
        "--role",
        role,
        stdin=password + "\n",
    )
    assert isinstance(out.get("agentId"), str), f"agent create output: {out!r}"
    return DeskAgent(
        tenant=tenant,
        agent_id=out["agentId"],
        email=email,
        password=password,
        role=role,
        name=name,
    )


def parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run blocking CLI calls two at a time (each is mostly CPU: more threads on two
    cores only make every call slower); results in order."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return [f.result() for f in [pool.submit(c) for c in calls]]


@dataclass
class Desk:
    """One tenant with (usually) an admin and some agents (all logged in)."""

    server: WebchatProcess
    tenant: Tenant
    admin: DeskAgent | None
    agents: list[DeskAgent] = field(default_factory=list)

    @property
    def everyone(self) -> list[DeskAgent]:
        return [a for a in (self.admin, *self.agents) if a is not None]

    def http(self, who: DeskAgent | str | None = None, server: WebchatProcess | None = None):
        """An httpx client with an agent's token, a key, or (None) the secret key."""
        if who is None:
            credential = self.tenant.secret_key
        elif isinstance(who, str):
            credential = who
        else:
            credential = who.token
        return http_client(server or self.server, credential)


def make_desks(
    server: WebchatProcess, agent_counts: Iterable[int], with_admin: bool = True
) -> list[Desk]:
    """Tenants (one per count), each with an admin (unless `with_admin` is false) and
    `count` plain agents; not yet logged in. Every CLI call costs ~2 s: ask for few."""
    counts = list(agent_counts)
    tenants = parallel(*[lambda: create_tenant(server) for _ in counts])
    jobs: list[Callable[[], DeskAgent]] = []
    for tenant, count in zip(tenants, counts, strict=True):
        if with_admin:
            jobs.append(lambda t=tenant: cli_agent(server, t, "admin"))
        jobs += [lambda t=tenant: cli_agent(server, t, "agent") for _ in range(count)]
    made = iter(parallel(*jobs))
    desks = []
    for tenant, count in zip(tenants, counts, strict=True):
        admin = next(made) if with_admin else None
        desks.append(Desk(server, tenant, admin, [next(made) for _ in range(count)]))
    return desks


async def login_all(server: WebchatProcess, desks: Iterable[Desk]) -> None:
    for desk in desks:
        for agent in desk.everyone:
            await login(server, agent)


def iso_in(seconds: float) -> str:
    """An ISO 8601 UTC instant `seconds` from now (negative: in the past)."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- conversations ----------------------------------------------------------------------


def check_conversation(conversation: Any, **expected: Any) -> dict:
    assert isinstance(conversation, dict), f"conversation is not an object: {conversation!r}"
    missing = CONVERSATION_KEYS - conversation.keys()
    assert not missing, f"conversation lacks {sorted(missing)}: {conversation!r}"
    assert isinstance(conversation["visitor"], dict), conversation
    missing = VISITOR_KEYS - conversation["visitor"].keys()
    assert not missing, f"conversation.visitor lacks {sorted(missing)}: {conversation!r}"
    assert conversation["status"] in STATUSES, conversation
    assert isinstance(conversation["labels"], list), conversation
    assert isinstance(conversation["unreadCount"], int), conversation
    if conversation["lastMessage"] is not None:
        contract.check_message(conversation["lastMessage"])
    contract.parse_time(conversation["lastActivityAt"])
    contract.parse_time(conversation["createdAt"])
    if conversation["snoozedUntil"] is not None:
        contract.parse_time(conversation["snoozedUntil"])
    for key, value in expected.items():
        assert conversation[key] == value, (
            f"conversation[{key!r}] = {conversation[key]!r}, expected {value!r}: {conversation!r}"
        )
    return conversation


async def get_conversation(http: httpx.AsyncClient, conversation_id: str) -> dict:
    response = await http.get(f"/api/conversations/{conversation_id}")
    body = contract.expect_status(response, 200)
    return check_conversation(body.get("conversation"), conversationId=conversation_id)


async def patch(http: httpx.AsyncClient, conversation_id: str, **changes: Any) -> dict:
    response = await http.patch(f"/api/conversations/{conversation_id}", json=changes)
    body = contract.expect_status(response, 200)
    return check_conversation(body.get("conversation"), conversationId=conversation_id)


async def listed(http: httpx.AsyncClient, **params: Any) -> list[dict]:
    """Every page of GET /api/conversations with these filters."""
    found: list[dict] = []
    before = None
    for _ in range(50):
        query = dict(params, limit=params.get("limit", 200))
        if before:
            query["before"] = before
        body = contract.expect_status(await http.get("/api/conversations", params=query), 200)
        for item in body["conversations"]:
            check_conversation(item)
        found += body["conversations"]
        before = body.get("nextBefore")
        if not before or not body["conversations"]:
            return found
    raise AssertionError("conversation list did not end in 50 pages")


async def listed_ids(http: httpx.AsyncClient, **params: Any) -> list[str]:
    return [c["conversationId"] for c in await listed(http, **params)]


def of(conversation_id: str, **fields: Any) -> Callable[[Any], bool]:
    """A predicate for events about one conversation, optionally with field values."""

    def match(data: Any) -> bool:
        return (
            isinstance(data, dict)
            and data.get("conversationId") == conversation_id
            and all(data.get(k) == v for k, v in fields.items())
        )

    return match


def everything_received(socket: SocketClient) -> str:
    """Every event a socket received, as one JSON text (for "never leaks" checks)."""
    return json.dumps(socket.order, default=str)


# --- one shared pair of tenants per server ----------------------------------------------

_shared: dict[tuple[str, int], tuple[Desk, Desk]] = {}


async def shared_desks(server: WebchatProcess) -> tuple[Desk, Desk]:
    """For the whole session, per server: a tenant with an admin and two agents whose
    settings stay as created, and another tenant with an admin and two agents, where the
    auto-assignment tests change settings (and put them back)."""
    key = (server.name, server.port)
    if key not in _shared:
        mine, other = await asyncio.to_thread(make_desks, server, [2, 2])
        await login_all(server, [mine, other])
        _shared[key] = (mine, other)
    return _shared[key]


# --- servers that wake snoozes every second, shared by the status and cluster tests -----

_quick: dict[str, tuple[list[WebchatProcess], list[Desk]]] = {}


async def quick_snooze(launcher: Any, backend: str) -> tuple[list[WebchatProcess], list[Desk]]:
    """For the session, per backend: servers with `WEBCHAT_SNOOZE_CHECK_SECONDS=1` (one
    on embedded; two nodes on one Redis + PostgreSQL on real) and their tenants: on real,
    one with two agents (no admin) for auto-assignment, then one for snoozes; on embedded
    only the one for snoozes. Stopped by the launcher at the end of the session."""
    found = _quick.get(backend)
    if found is None or not all(node.running for node in found[0]):
        group = launcher.group(backend)
        env = {"WEBCHAT_SNOOZE_CHECK_SECONDS": "1"}
        count = 2 if backend == "real" else 1
        nodes = [
            await asyncio.to_thread(
                launcher.start, group=group, name=f"snooze-{backend}-{i}", env=env
            )
            for i in range(count)
        ]
        counts = [2, 0] if backend == "real" else [0]
        desks = await asyncio.to_thread(make_desks, nodes[0], counts, False)
        await login_all(nodes[0], desks)
        found = _quick[backend] = (nodes, desks)
    return found
