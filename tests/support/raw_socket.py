# ruff: noqa: ASYNC109 - a per-call timeout is the point of these test helpers
"""A raw Engine.IO v4 / Socket.IO v5 client over one aiohttp websocket, for attack tests.

python-socketio's client only sends well-formed packets; these tests need to send what
a hostile client would: binary attachment headers, frames the protocol does not expect,
JSON the client library would never produce. This client sends exactly the frames it is
given and records exactly what comes back (borrowed from ``bench/wsclient.py``)::

    GET /socket.io/?EIO=4&transport=websocket
    server: 0{"sid":…,"pingInterval":…}        Engine.IO open
    client: 40{auth}                           Socket.IO CONNECT to "/", with auth
    server: 40{"sid":…} | 44{"message":…}      connected | connect_error
    client: 42<id>["event",{…}]                event with an ack id
    server: 43<id>[{…}]                        the ack
    server: 2 → client: 3                      Engine.IO ping / pong

Nothing here imports ``webchat``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

import aiohttp

from .server import WebchatProcess

ACK_RE = re.compile(r"^43(\d+)(.*)$", re.DOTALL)


class RawRefused(Exception):
    """The server answered the CONNECT packet with ``44`` (connect_error)."""

    def __init__(self, payload: Any) -> None:
        super().__init__(f"handshake refused: {payload!r}")
        self.payload = payload

    @property
    def code(self) -> str | None:
        data = self.payload.get("data") if isinstance(self.payload, dict) else None
        error = data.get("error") if isinstance(data, dict) else None
        return error.get("code") if isinstance(error, dict) else None


def socket_url(base_url: str) -> str:
    base = base_url.rstrip("/")
    if base.startswith("http"):
        base = "ws" + base[4:]
    return f"{base}/socket.io/?EIO=4&transport=websocket"


class RawSocket:
    """One websocket to ``/socket.io/``; every text frame the server sends is recorded."""

    def __init__(self, server: WebchatProcess, label: str = "raw socket") -> None:
        self.server = server
        self.label = label
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.open_packet: dict[str, Any] | None = None
        self.sid: str | None = None
        self.texts: list[str] = []
        self.closed = asyncio.Event()
        self.close_reason: str = ""
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    # --- connection ------------------------------------------------------------------

    async def open(self, headers: dict[str, str] | None = None, timeout: float = 10.0) -> RawSocket:
        """The websocket and the Engine.IO open packet; no Socket.IO CONNECT yet."""
        self.http = aiohttp.ClientSession()
        async with asyncio.timeout(timeout):
            self.ws = await self.http.ws_connect(
                socket_url(self.server.url),
                headers=headers or {},
                autoping=True,
                compress=0,
                max_msg_size=1 << 24,
            )
            opened = await self.ws.receive()
        if opened.type != aiohttp.WSMsgType.TEXT or not str(opened.data).startswith("0"):
            raise AssertionError(f"{self.label}: no Engine.IO open packet, got {opened!r}")
        self.open_packet = json.loads(opened.data[1:])
        self._reader = asyncio.create_task(self._read())
        return self

    async def connect(
        self,
        auth: dict[str, Any],
        headers: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> RawSocket:
        """Open the websocket and do the Socket.IO CONNECT; raise RawRefused on ``44``."""
        if self.ws is None:
            await self.open(headers=headers, timeout=timeout)
        await self.send_text("40" + json.dumps(auth))
        frame = await self.wait_text(lambda t: t.startswith(("40", "44")), timeout, "CONNECT")
        if frame.startswith("44"):
            raise RawRefused(json.loads(frame[2:]))
        self.sid = json.loads(frame[2:]).get("sid")
        return self

    async def _read(self) -> None:
        ws = self.ws
        assert ws is not None
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    data = str(msg.data)
                    if data == "2":
                        with contextlib.suppress(Exception):
                            await ws.send_str("3")
                        continue
                    async with self._changed:
                        self.texts.append(data)
                        self._changed.notify_all()
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    async with self._changed:
                        self.texts.append(f"<binary {len(msg.data)} bytes>")
                        self._changed.notify_all()
            self.close_reason = f"websocket closed (code {ws.close_code})"
        except (aiohttp.ClientError, ConnectionError) as exc:
            self.close_reason = f"connection lost: {exc!r}"
        finally:
            async with self._changed:
                self.closed.set()
                self._changed.notify_all()

    # --- sending ---------------------------------------------------------------------

    async def send_text(self, data: str) -> bool:
        """Send one text frame; False once the websocket is closed. Like a hostile client, it
        keeps sending after an Engine.IO close packet: only a closed websocket stops it."""
        if self.ws is None or self.ws.closed or self.closed.is_set():
            return False
        try:
            await self.ws.send_str(data)
        except (aiohttp.ClientError, ConnectionError, RuntimeError):
            return False
        return True

    async def send_bytes(self, data: bytes) -> bool:
        """Send one binary frame; False once the websocket is closed (see ``send_text``)."""
        if self.ws is None or self.ws.closed or self.closed.is_set():
            return False
        try:
            await self.ws.send_bytes(data)
        except (aiohttp.ClientError, ConnectionError, RuntimeError):
            return False
        return True

    async def emit_with_ack(self, ack_id: int, raw_args: str) -> bool:
        """``42<ack_id><raw_args>``: ``raw_args`` is the JSON array text, sent verbatim."""
        return await self.send_text(f"42{ack_id}{raw_args}")

    # --- receiving -------------------------------------------------------------------

    async def wait_text(self, predicate: Any, timeout: float = 5.0, what: str = "frame") -> str:
        """The first recorded text frame matching ``predicate`` (already received or not)."""

        def found() -> str | None:
            return next((t for t in self.texts if predicate(t)), None)

        def ready() -> bool:
            return found() is not None or self.closed.is_set()

        try:
            async with self._changed:
                await asyncio.wait_for(self._changed.wait_for(ready), timeout)
        except TimeoutError:
            pass
        frame = found()
        if frame is None:
            state = self.close_reason if self.closed.is_set() else "still open"
            raise AssertionError(
                f"{self.label}: no {what} within {timeout:.0f}s ({state}); "
                f"frames received: {self.summary()}"
            )
        return frame

    async def wait_ack(self, ack_id: int, timeout: float = 5.0) -> Any:
        """The (first) argument of the ack packet ``43<ack_id>[...]``."""

        def is_ack(text: str) -> bool:
            match = ACK_RE.match(text)
            return bool(match) and int(match.group(1)) == ack_id

        frame = await self.wait_text(is_ack, timeout, f"ack #{ack_id}")
        match = ACK_RE.match(frame)
        assert match is not None
        args = json.loads(match.group(2))
        assert isinstance(args, list), f"{self.label}: ack #{ack_id} is not an array: {frame!r}"
        return args[0] if args else None

    async def wait_closed(self, timeout: float) -> bool:
        """True when the server closed the websocket within ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.closed.wait(), timeout)
        return self.closed.is_set()

    def got_close_packet(self) -> bool:
        """The server sent the Engine.IO ``1`` (close) packet (the websocket may be open)."""
        return "1" in self.texts

    def summary(self, limit: int = 12) -> list[str]:
        return [t if len(t) <= 200 else t[:200] + "…" for t in self.texts[-limit:]]

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 3)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self.http is not None:
            with contextlib.suppress(Exception):
                await self.http.close()


class RawSockets:
    """Opens raw sockets for a test and closes them all afterwards."""

    def __init__(self) -> None:
        self.clients: list[RawSocket] = []

    def new(self, server: WebchatProcess, label: str = "raw socket") -> RawSocket:
        client = RawSocket(server, label)
        self.clients.append(client)
        return client

    async def close_all(self) -> None:
        for client in self.clients:
            with contextlib.suppress(Exception):
                await client.close()
        self.clients.clear()
