"""One Engine.IO connection (and the Socket.IO socket on it): what it owes its client.

Whatever is sent to a connection is appended to its outgoing list and the connection is
marked dirty; the server flushes every dirty connection once, at the end of the loop tick
(`WireServer.flush`). A WebSocket gets one `write` of all its frames; a long-poll gets its
packets as the body of the waiting GET. A connection that falls further behind than the
high-water mark is closed: its client reconnects and repairs the gap with `sync`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Protocol

from webchat.wire import frames
from webchat.wire.packets import CLOSE, NOOP, PING

if TYPE_CHECKING:
    from webchat.wire.server import WireServer

# Bytes a client may leave unread before it is dropped.
HIGH_WATER_BYTES = 4 * 1024 * 1024


class Carrier(Protocol):
    """A WebSocket transport a connection writes through."""

    def write_frames(self, chunk: bytes) -> int: ...

    def close(self, code: int) -> None: ...


class Peer:
    """What the handshake may look at: where the socket comes from."""

    __slots__ = ("client_ip", "origin")

    def __init__(self, client_ip: str, origin: str | None) -> None:
        self.client_ip = client_ip
        self.origin = origin


class Connection:
    __slots__ = (
        "_frames",
        "_packets",
        "closed",
        "connecting",
        "eio_sid",
        "held",
        "next_ping",
        "opened_at",
        "peer",
        "pong_due",
        "probe",
        "rooms",
        "server",
        "sid",
        "upgrading",
        "waiter",
        "ws",
    )

    def __init__(self, server: WireServer, eio_sid: str, peer: Peer) -> None:
        self.server = server
        self.eio_sid = eio_sid
        self.peer = peer
        self.sid: str | None = None  # the Socket.IO socket, once CONNECT succeeded
        self.connecting = False
        self.held: list[str] | None = None  # sent while the CONNECT answer is pending
        self.rooms: set[str] = set()
        self.ws: Carrier | None = None
        self.probe: Carrier | None = None  # a WebSocket probing an upgrade from polling
        self.upgrading = False
        self.waiter: asyncio.Future[list[str]] | None = None  # a pending long-poll GET
        self._frames: list[bytes] = []
        self._packets: list[str] = []
        self.closed = False
        now = time.monotonic()
        self.opened_at = now
        self.next_ping = now + server.ping_interval
        self.pong_due = 0.0

    # --- sending ---------------------------------------------------------------------

    def send(self, packet: str, frame: bytes | None = None) -> None:
        """Queue an Engine.IO packet; `frame` is its WebSocket frame when the caller has
        built it already (a broadcast builds it once for every recipient)."""
        if self.closed:
            return
        if self.held is not None:
            self.held.append(packet)
            return
        self._queue(packet, frame)

    def _queue(self, packet: str, frame: bytes | None) -> None:
        if self.ws is not None and not self.upgrading:
            self._frames.append(frame or frames.text_frame(packet))
        else:
            self._packets.append(packet)
        self.server.mark_dirty(self)

    def release_held(self, first: str) -> None:
        """The CONNECT answer goes out, then what waited behind it."""
        held, self.held = self.held or [], None
        self._queue(first, None)
        for packet in held:
            self._queue(packet, None)

    def flush(self) -> None:
        if self.ws is not None and not self.upgrading:
            if self._frames:
                chunk = b"".join(self._frames)
                self._frames = []
                if self.ws.write_frames(chunk) > HIGH_WATER_BYTES:
                    self.close("slow consumer")
        elif self.waiter is not None and self._packets:
            waiter, self.waiter = self.waiter, None
            packets, self._packets = self._packets, []
            if not waiter.done():
                waiter.set_result(packets)
            else:
                self._packets = packets + self._packets
        elif sum(map(len, self._packets)) > HIGH_WATER_BYTES:
            self.close("slow consumer")

    # --- long-polling ----------------------------------------------------------------

    def take_packets(self) -> list[str]:
        packets, self._packets = self._packets, []
        return packets

    def has_packets(self) -> bool:
        return bool(self._packets)

    # --- the transport switch --------------------------------------------------------

    def attach_websocket(self, ws: Carrier) -> None:
        """A fresh WebSocket connection, or the end of an upgrade from polling: packets
        the poll did not take go out on the WebSocket."""
        self.ws = ws
        self.probe = None
        self.upgrading = False
        if self._packets:
            self._frames.extend(frames.text_frame(p) for p in self._packets)
            self._packets = []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result([NOOP])
        self.waiter = None
        self.server.mark_dirty(self)

    def end_poll(self) -> None:
        """Upgrading: the pending GET returns a noop so the client stops polling."""
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result([NOOP])
            self.waiter = None

    # --- liveness --------------------------------------------------------------------

    def ping_if_due(self, now: float) -> None:
        if self.pong_due:
            if now > self.pong_due:
                self.close("ping timeout")
        elif now >= self.next_ping:
            self.pong_due = now + self.server.ping_timeout
            self.send(PING)

    def pong(self) -> None:
        self.pong_due = 0.0
        self.next_ping = time.monotonic() + self.server.ping_interval

    # --- closing ---------------------------------------------------------------------

    def close(self, reason: str, *, tell_client: bool = True) -> None:
        """Close for good: the client is told (`1`) unless it is the one who left. What
        is still queued goes first, without the high-water check (this is the end)."""
        if self.closed:
            return
        self.closed = True
        if self.ws is not None and not self.upgrading:
            if tell_client:
                self._frames.append(frames.text_frame(CLOSE))
            if self._frames:
                self.ws.write_frames(b"".join(self._frames))
            self._frames = []
        elif tell_client:
            self._packets.append(CLOSE)
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(self.take_packets() or [CLOSE])
        self.waiter = None
        if self.ws is not None:
            self.ws.close(frames.NORMAL)
        if self.probe is not None:
            self.probe.close(frames.GOING_AWAY)
            self.probe = None
        self.server.forget(self, reason)
