"""The same socket interface as `bench.wsclient.SioSocket`, on python-socketio's AsyncClient.

Only for `--client python-socketio`: it measures what the stock client costs per packet
(docs/performance.md), which is why the bench does not use it by default."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import socketio

from bench.wsclient import AckHandler, EventHandler


class AsyncClientSocket:
    def __init__(self, on_event: EventHandler | None = None, tag: Any = None) -> None:
        self.on_event = on_event
        self.tag = tag
        self.closed = asyncio.Event()
        self.sio = socketio.AsyncClient(reconnection=False, logger=False, engineio_logger=False)

        @self.sio.on("*")
        async def _any(event: str, *args: Any) -> None:
            if self.on_event is not None:
                self.on_event(self, event, args[0] if args else None)  # type: ignore[arg-type]

    async def connect(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        auth: dict[str, Any],
        timeout: float,  # noqa: ASYNC109 - same signature as SioSocket.connect
    ) -> AsyncClientSocket:
        await self.sio.connect(base_url, auth=auth, transports=["websocket"], wait_timeout=timeout)
        return self

    async def emit(self, event: str, data: Any, ack: AckHandler | None = None) -> None:
        await self.sio.emit(event, data, callback=ack)

    async def close(self) -> None:
        await self.sio.disconnect()
        self.closed.set()
