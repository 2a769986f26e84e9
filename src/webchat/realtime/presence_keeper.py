"""This node's part of presence (CONTRACT §5): its sockets listed in Redis, its heartbeat,
the reaping of dead nodes, and the online/offline events those decide.

Presence degrades while Redis is away (§14): a socket opens without being listed, a
socket that closes is remembered, and the next beat after Redis returns lists the one
and removes the other, so presence is rebuilt without anyone reconnecting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from webchat.actions.availability import do_check_availability
from webchat.actions.events import publish_presence
from webchat.clock import isoformat, utcnow
from webchat.realtime.state import SocketState
from webchat.store import StoreUnavailable
from webchat.store.presence import (
    HEARTBEAT_SECONDS,
    SocketRef,
    add_tab,
    forget_node,
    heartbeat,
    reap_dead_nodes,
    remove_tab,
)

if TYPE_CHECKING:
    from webchat.services import Services

log = logging.getLogger(__name__)


class PresenceKeeper:
    def __init__(
        self,
        services: Services,
        sockets: dict[str, SocketState],
        spawn: Callable[[Awaitable[None]], None],
    ) -> None:
        self._services = services
        self._sockets = sockets  # the realtime server's, read only
        self._spawn = spawn
        # What Redis could not take while away: listed again, removed, at the next beat.
        self._stale = False
        self._unlisted: list[SocketRef] = []
        self._beating = asyncio.Lock()

    async def run(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            try:
                await self.beat()
            except StoreUnavailable as exc:
                log.warning("presence upkeep: Redis unavailable (%s)", exc)
            except Exception:
                log.warning("presence upkeep failed", exc_info=True)

    async def beat(self) -> None:
        async with self._beating:
            store, node_id = self._services.store, self._services.node_id
            if not await heartbeat(store, node_id) or self._stale:
                self._stale = False
                for sid, state in list(self._sockets.items()):
                    if state.presence is not None and sid in self._sockets:
                        await self.add(state)
            while self._unlisted:
                await self._remove(self._unlisted[-1])
                self._unlisted.pop()
            for socket, entry in await reap_dead_nodes(store):
                event = "agent_offline" if socket.kind == "agent" else "user_offline"
                await publish_presence(self._services, socket.tenant_id, event, entry)
                self._changed(socket.tenant_id, socket.kind)

    def relist_soon(self) -> None:
        """Redis may have restarted empty: list this node's sockets again now."""
        self._stale = True
        self._spawn(self.beat())

    async def add(self, state: SocketState) -> None:
        """List this socket in Redis; announce its owner on its first tab."""
        assert state.presence is not None
        event, entry = _online_entry(state)
        try:
            tabs, entry = await add_tab(
                self._services.store, self._services.node_id, state.presence, entry
            )
        except StoreUnavailable:
            self._stale = True  # the socket works; it is listed once Redis is back
            return
        if tabs == 1:
            await publish_presence(self._services, state.tenant_id, event, entry)
            self._changed(state.tenant_id, state.kind)

    async def remove(self, ref: SocketRef) -> None:
        """Unlist a closed socket; announce its owner's last tab. Later if Redis is away."""
        try:
            await self._remove(ref)
        except StoreUnavailable:
            self._unlisted.append(ref)

    def remove_later(self, ref: SocketRef) -> None:
        self._unlisted.append(ref)

    async def forget_node(self) -> None:
        await forget_node(self._services.store, self._services.node_id)

    async def _remove(self, ref: SocketRef) -> None:
        entry = await remove_tab(self._services.store, self._services.node_id, ref)
        if entry is not None:
            entry["lastSeenAt"] = isoformat(utcnow())
            event = "agent_offline" if ref.kind == "agent" else "user_offline"
            await publish_presence(self._services, ref.tenant_id, event, entry)
            self._changed(ref.tenant_id, ref.kind)

    def _changed(self, tenant_id: str, kind: str) -> None:
        """An agent's first console opened or last one closed: availability may change."""
        if kind == "agent":
            self._spawn(do_check_availability(self._services, tenant_id))


def _online_entry(state: SocketState) -> tuple[str, dict[str, object]]:
    now = isoformat(utcnow())
    if state.kind == "agent":
        assert state.principal.agent is not None
        return "agent_online", {
            "agentId": state.principal.agent.agent_id,
            "name": state.principal.agent.name,
            "connectedAt": now,
            "lastSeenAt": now,
        }
    visitor = state.visitor
    assert visitor is not None
    return "user_online", {
        "sessionId": visitor.session_id,
        "conversationId": visitor.conversation_id,
        "userId": visitor.user_id,
        "userInfo": visitor.user_info,
        "connectedAt": now,
        "lastSeenAt": now,
        "url": state.url,
    }
