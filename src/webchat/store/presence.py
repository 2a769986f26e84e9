"""Who is online: `online_users:<tenantId>` (the seed's hash), counted per visitor, and
`online_agents:<tenantId>`, counted per signed-in agent.

Each visitor (or agent) has a hash of its open sockets (`presence:tabs:<tenantId>:<sessionId>`),
so the first tab and the last tab are decided atomically in Redis whatever node they
are on. Each node also lists its sockets and keeps a heartbeat key alive; when a node
dies without saying goodbye its heartbeat expires and any other node removes its
sockets (see `reap_dead_nodes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import orjson

from webchat.store.client import Store

# A node refreshes its heartbeat every HEARTBEAT_SECONDS; it is presumed dead when the key
# has expired. 5 + 15 keeps a dead node's visitors listed for at most ~20 s (contract: 30 s).
HEARTBEAT_SECONDS = 5
NODE_TTL_SECONDS = 15
NODES_KEY = "presence:nodes"

_CONNECT = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[4])
local tabs = redis.call('HLEN', KEYS[1])
local previous = redis.call('HGET', KEYS[2], ARGV[3])
if tabs == 1 or not previous then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[5])
  return {tabs, ''}
end
return {tabs, previous}
"""

# Writes an entry only while the visitor still has a tab, so a late update can never
# resurrect a visitor whose last tab just closed on another node.
_UPDATE = """
if redis.call('HLEN', KEYS[1]) > 0 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return 1
"""

_DISCONNECT = """
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[3], ARGV[3])
if removed == 1 and redis.call('HLEN', KEYS[1]) == 0 then
  local previous = redis.call('HGET', KEYS[2], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[2])
  return previous or ''
end
return false
"""


PresenceKind = Literal["visitor", "agent"]


@dataclass(frozen=True)
class SocketRef:
    """One socket of one visitor (`owner_id` = sessionId) or agent (`owner_id` = agentId)."""

    tenant_id: str
    owner_id: str
    sid: str
    kind: PresenceKind = "visitor"

    def member(self) -> str:
        return f"{self.kind}\t{self.tenant_id}\t{self.owner_id}\t{self.sid}"

    @classmethod
    def from_member(cls, member: str) -> SocketRef:
        kind, tenant_id, owner_id, sid = member.split("\t")
        return cls(tenant_id, owner_id, sid, "agent" if kind == "agent" else "visitor")

    def keys(self, node_id: str) -> list[str]:
        return [
            tabs_key(self.tenant_id, self.owner_id, self.kind),
            online_key(self.tenant_id, self.kind),
            node_sockets_key(node_id),
        ]


def online_key(tenant_id: str, kind: PresenceKind = "visitor") -> str:
    return f"online_agents:{tenant_id}" if kind == "agent" else f"online_users:{tenant_id}"


def tabs_key(tenant_id: str, owner_id: str, kind: PresenceKind = "visitor") -> str:
    if kind == "agent":
        return f"presence:agent_tabs:{tenant_id}:{owner_id}"
    return f"presence:tabs:{tenant_id}:{owner_id}"


def node_sockets_key(node_id: str) -> str:
    return f"presence:node_sockets:{node_id}"


def node_key(node_id: str) -> str:
    return f"presence:node:{node_id}"


async def add_tab(
    store: Store, node_id: str, socket: SocketRef, entry: dict[str, object]
) -> tuple[int, dict[str, object]]:
    """Record one open tab; returns the owner's tab count and its entry (with `tabs`)."""
    keys = socket.keys(node_id)
    args: list[str | bytes] = [
        socket.sid,
        node_id,
        socket.owner_id,
        socket.member(),
        orjson.dumps(entry),
    ]
    async with store.guard():
        tabs, previous = await store.redis.eval(_CONNECT, len(keys), *keys, *args)
        if previous:
            # Another tab already listed this visitor: keep its connectedAt, take the rest.
            merged = {**entry, "connectedAt": orjson.loads(previous).get("connectedAt")}
            await store.redis.eval(
                _UPDATE, 2, keys[0], keys[1], socket.owner_id, orjson.dumps(merged)
            )
            entry = merged
    return int(tabs), {**entry, "tabs": int(tabs)}


async def remove_tab(store: Store, node_id: str, socket: SocketRef) -> dict[str, object] | None:
    """Forget one tab; returns the owner's entry if that was its last tab, else None."""
    keys = socket.keys(node_id)
    async with store.guard():
        gone = await store.redis.eval(
            _DISCONNECT, len(keys), *keys, socket.sid, socket.owner_id, socket.member()
        )
    if gone is None:
        return None
    id_field = "agentId" if socket.kind == "agent" else "sessionId"
    entry: dict[str, object] = orjson.loads(gone) if gone else {id_field: socket.owner_id}
    return {**entry, "tabs": 0}


async def touch_visitor(store: Store, tenant_id: str, session_id: str, now_iso: str) -> None:
    async with store.guard():
        raw = await store.redis.hget(online_key(tenant_id), session_id)
        if raw:
            entry = {**orjson.loads(raw), "lastSeenAt": now_iso}
            await store.redis.eval(
                _UPDATE,
                2,
                tabs_key(tenant_id, session_id),
                online_key(tenant_id),
                session_id,
                orjson.dumps(entry),
            )


async def list_online(
    store: Store, tenant_id: str, kind: PresenceKind = "visitor"
) -> list[dict[str, object]]:
    async with store.guard():
        raw = await store.redis.hgetall(online_key(tenant_id, kind))
        owner_ids = [str(s) for s in raw]
        async with store.redis.pipeline(transaction=False) as pipe:
            for owner_id in owner_ids:
                pipe.hlen(tabs_key(tenant_id, owner_id, kind))
            counts = await pipe.execute()
    users = []
    for owner_id, tabs in zip(owner_ids, counts, strict=True):
        if tabs:
            users.append({**orjson.loads(raw[owner_id]), "tabs": int(tabs)})
    users.sort(key=lambda user: str(user.get("connectedAt", "")))
    return users


async def online_ids(store: Store, tenant_id: str, kind: PresenceKind = "visitor") -> set[str]:
    """Who has at least one tab open: session ids, or agent ids for `kind="agent"`."""
    async with store.guard():
        return {str(owner) for owner in await store.redis.hkeys(online_key(tenant_id, kind))}


async def heartbeat(store: Store, node_id: str) -> bool:
    """Keep this node's heartbeat alive. False if it had lapsed (Redis lost its data, or
    this node stalled and was reaped): the caller should list its sockets again."""
    async with store.guard(), store.redis.pipeline(transaction=False) as pipe:
        pipe.exists(node_key(node_id))
        pipe.set(node_key(node_id), "1", ex=NODE_TTL_SECONDS)
        pipe.sadd(NODES_KEY, node_id)
        existed, _, _ = await pipe.execute()
    return bool(existed)


async def reap_dead_nodes(store: Store) -> list[tuple[SocketRef, dict[str, object]]]:
    """Remove the sockets of nodes whose heartbeat expired. Returns (socket, entry) for
    each visitor or agent that went offline. Safe to run on every node at once: removing a tab
    twice is a no-op, so each visitor goes offline once."""
    offline: list[tuple[SocketRef, dict[str, object]]] = []
    async with store.guard():
        nodes = sorted(str(n) for n in await store.redis.smembers(NODES_KEY))
        if not nodes:
            return offline
        alive = await store.redis.exists(*[node_key(n) for n in nodes]) if nodes else 0
        if alive == len(nodes):
            return offline
        for node_id in nodes:
            if await store.redis.exists(node_key(node_id)):
                continue
            for member in await store.redis.smembers(node_sockets_key(node_id)):
                socket = SocketRef.from_member(str(member))
                entry = await remove_tab(store, node_id, socket)
                if entry is not None:
                    offline.append((socket, entry))
            await store.redis.delete(node_sockets_key(node_id))
            await store.redis.srem(NODES_KEY, node_id)
    return offline


async def forget_node(store: Store, node_id: str) -> None:
    async with store.guard():
        await store.redis.delete(node_key(node_id))
