"""Emitters: how `actions.events` reaches sockets, from a socket node or an API-only node."""

from __future__ import annotations

from typing import Any

from webchat.store.fanout import RedisRelay
from webchat.wire.packets import event_packet
from webchat.wire.server import WireServer


class ServerEmitter:
    """Emits through this process's wire server (and its relay, to other nodes)."""

    def __init__(self, wire: WireServer) -> None:
        self._wire = wire

    async def emit(
        self, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
    ) -> None:
        self._wire.emit(event, data, room, skip_sid)


class RedisEmitter:
    """For `--role api`: no sockets here; events go to the socket nodes through Redis."""

    def __init__(self, redis_url: str, node_id: str) -> None:
        self._relay = RedisRelay(redis_url, node_id)

    async def emit(
        self, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
    ) -> None:
        rooms = (room,) if isinstance(room, str) else tuple(room)
        self._relay.publish(rooms, skip_sid, event_packet(event, data))

    async def close(self) -> None:
        await self._relay.close()
