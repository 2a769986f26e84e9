"""A minimal Socket.IO v4 / Engine.IO v4 client over one aiohttp websocket.

python-socketio's AsyncClient spends several times the CPU per packet of this client (a
task per event, a queue, packet objects; see docs/performance.md), and the load generator
shares two cores with the server it measures, so the bench speaks the protocol directly:

    GET /socket.io/?EIO=4&transport=websocket
    server: 0{"sid":…,"pingInterval":…}        Engine.IO open
    client: 40{auth}                           Socket.IO CONNECT to "/", with auth
    server: 40{"sid":…} | 44{"message":…}      connected | connect_error
    client: 42<id>["message",{…}]              event with an ack id
    server: 43<id>[{…}]                        the ack
    server: 42["meta_message_created",{…}]     an event
    server: 2 → client: 3                      Engine.IO ping / pong
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

EventHandler = Callable[["SioSocket", str, Any], None]
AckHandler = Callable[[Any], None]


_BACKGROUND: set[asyncio.Future[Any]] = set()


class HandshakeRefused(Exception):
    pass


def socket_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.startswith("http"):
        base = "ws" + base[4:]
    return f"{base}/socket.io/?EIO=4&transport=websocket"


class SioSocket:
    """One websocket, one Socket.IO connection to the default namespace."""

    __slots__ = (
        "_acks",
        "_next_ack",
        "_reader",
        "closed",
        "on_event",
        "sid",
        "tag",
        "ws",
    )

    def __init__(self, on_event: EventHandler | None = None, tag: Any = None) -> None:
        self.on_event = on_event
        self.tag = tag
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.sid: str | None = None
        self.closed = asyncio.Event()
        self._acks: dict[int, AckHandler] = {}
        self._next_ack = 0
        self._reader: asyncio.Task[None] | None = None

    async def connect(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        auth: dict[str, Any],
        timeout: float,  # noqa: ASYNC109 - one deadline for the whole handshake
    ) -> SioSocket:
        async with asyncio.timeout(timeout):
            # compress=0: no per-message deflate (the server refuses it anyway); autoping:
            # aiohttp answers the websocket-level pings of uvicorn (Engine.IO's are below).
            ws = await http.ws_connect(
                socket_url(base_url), autoping=True, compress=0, max_msg_size=1 << 22
            )
            self.ws = ws
            opened = await ws.receive()
            if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0"):
                raise HandshakeRefused(f"no Engine.IO open packet: {opened!r}")
            await ws.send_str("40" + orjson.dumps(auth).decode())
            while True:
                msg = await ws.receive()
                if msg.type != aiohttp.WSMsgType.TEXT:
                    raise HandshakeRefused(f"closed during handshake: {msg!r}")
                data: str = msg.data
                if data.startswith("40"):
                    self.sid = orjson.loads(data[2:]).get("sid")
                    break
                if data.startswith("44"):
                    raise HandshakeRefused(data[2:])
                if data == "2":
                    await ws.send_str("3")
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        ws = self.ws
        assert ws is not None
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    self._dispatch(msg.data)
        except (aiohttp.ClientError, ConnectionError):
            pass
        finally:
            self.closed.set()

    def _dispatch(self, data: str) -> None:
        kind = data[0]
        if kind == "4":
            sub = data[1]
            if sub == "2":  # event (an ack id requested by the server is ignored)
                i = 2
                while data[i].isdigit():
                    i += 1
                packet = orjson.loads(data[i:])
                if self.on_event is not None:
                    self.on_event(self, packet[0], packet[1] if len(packet) > 1 else None)
            elif sub == "3":  # ack
                i = 2
                while data[i].isdigit():
                    i += 1
                callback = self._acks.pop(int(data[2:i]), None)
                if callback is not None:
                    args = orjson.loads(data[i:])
                    callback(args[0] if args else None)
            elif sub == "1" and self.ws is not None:  # server-side disconnect
                self._later(self.ws.close())
        elif kind == "2" and self.ws is not None:  # ping
            self._later(self.ws.send_str("3"))

    def _later(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        _BACKGROUND.add(task)
        task.add_done_callback(_BACKGROUND.discard)

    async def emit(self, event: str, data: Any, ack: AckHandler | None = None) -> None:
        assert self.ws is not None
        if ack is None:
            await self.ws.send_str("42" + orjson.dumps([event, data]).decode())
            return
        self._next_ack += 1
        self._acks[self._next_ack] = ack
        await self.ws.send_str(f"42{self._next_ack}" + orjson.dumps([event, data]).decode())

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(Exception):
                await self.ws.send_str("41")
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
