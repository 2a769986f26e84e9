"""Emitters: how `actions.events` reaches sockets, from a socket node or an API-only node."""

from __future__ import annotations

from typing import Any

import socketio

from webchat.store.fanout import RedisFanout


class ServerEmitter:
    """Emits through this process's Socket.IO server (and its manager, to other nodes)."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self._sio = sio

    async def emit(
        self, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
    ) -> None:
        await self._sio.emit(event, data, room=room, skip_sid=skip_sid)


class RedisEmitter:
    """For `--role api`: no sockets here; python-socketio's write-only Redis manager hands
    events to the socket nodes through Redis pub/sub."""

    def __init__(self, redis_url: str) -> None:
        self._manager = RedisFanout(redis_url, write_only=True)

    async def emit(
        self, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
    ) -> None:
        await self._manager.emit(event, data, namespace="/", room=room, skip_sid=skip_sid)
