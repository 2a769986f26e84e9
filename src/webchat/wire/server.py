"""The Socket.IO server on our Engine.IO connections: rooms, emits, acks, pings.

An emit encodes its packet once (and its WebSocket frame at most once), appends it to
every recipient and leaves the writing to `flush`, run once per loop tick for every
connection that got something. Inbound, one callback reads a frame's packets; only an
event runs as a task (its handler awaits the database), and its ack follows what the
handler emitted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Iterable
from typing import Any, Protocol

from webchat.wire import frames
from webchat.wire.connection import Connection, Peer
from webchat.wire.packets import (
    ACK,
    BINARY_ACK,
    BINARY_EVENT,
    CLOSE,
    CONNECT,
    DISCONNECT,
    EVENT,
    MESSAGE,
    OPEN,
    PONG,
    UNKNOWN_EVENT,
    UNREADABLE,
    PacketError,
    ack_packet,
    connect_error_packet,
    connect_packet,
    dumps,
    event_packet,
    parse_socket_packet,
)

log = logging.getLogger(__name__)

# Events a client may never send: they name what only the server decides.
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
)
# A connection that has not opened its Socket.IO socket by then is dropped (socket.io's
# own `connectTimeout`).
CONNECT_TIMEOUT_SECONDS = 45.0


class Refused(Exception):
    """Raised by `WireHandlers.connect`: the client's `connect_error` gets these."""

    def __init__(self, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.data = data


class WireHandlers(Protocol):
    async def connect(self, sid: str, peer: Peer, auth: Any) -> None: ...

    async def disconnect(self, sid: str, reason: str) -> None: ...

    async def event(self, sid: str, name: str, data: Any) -> Any: ...

    def protocol_error(self, why: str) -> Any:
        """The `error` event's data when a client breaks the protocol."""


class Relay(Protocol):
    """Hands emits to the other nodes (`store.fanout`)."""

    def publish(self, rooms: tuple[str, ...], skip_sid: str | None, packet: str) -> None: ...


class WireServer:
    def __init__(
        self,
        handlers: WireHandlers,
        *,
        ping_interval: float = 25.0,
        ping_timeout: float = 20.0,
        max_payload: int = 64 * 1024,
    ) -> None:
        self.handlers = handlers
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.max_payload = max_payload
        self.relay: Relay | None = None
        self.connections: dict[str, Connection] = {}  # by Engine.IO sid
        self.sockets: dict[str, Connection] = {}  # by Socket.IO sid
        self.rooms: dict[str, set[Connection]] = {}
        self._dirty: list[Connection] = []
        self._flush_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep())

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for connection in list(self.connections.values()):
            connection.close("server shutting down")

    async def _sweep(self) -> None:
        """One timer for every connection's pings, pong deadlines and connect timeout."""
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for connection in list(self.connections.values()):
                try:
                    unopened = connection.sid is None and not connection.connecting
                    if unopened and now - connection.opened_at > CONNECT_TIMEOUT_SECONDS:
                        connection.close("connect timeout")
                        continue
                    connection.ping_if_due(now)
                except Exception:
                    log.exception("ping sweep failed for %s", connection.eio_sid)

    # --- connections -----------------------------------------------------------------

    def open(self, peer: Peer) -> Connection:
        eio_sid = secrets.token_urlsafe(15)
        connection = Connection(self, eio_sid, peer)
        self.connections[eio_sid] = connection
        return connection

    def open_packet(self, connection: Connection, upgrades: list[str]) -> str:
        return OPEN + dumps(
            {
                "sid": connection.eio_sid,
                "upgrades": upgrades,
                "pingInterval": int(self.ping_interval * 1000),
                "pingTimeout": int(self.ping_timeout * 1000),
                "maxPayload": self.max_payload,
            }
        )

    def forget(self, connection: Connection, reason: str) -> None:
        self.connections.pop(connection.eio_sid, None)
        sid = connection.sid
        self._leave_rooms(connection)
        if sid is not None:
            connection.sid = None
            self.sockets.pop(sid, None)
            self.spawn(self.handlers.disconnect(sid, reason))

    # --- rooms -----------------------------------------------------------------------

    def _leave_rooms(self, connection: Connection) -> None:
        for room in connection.rooms:
            members = self.rooms.get(room)
            if members is not None:
                members.discard(connection)
                if not members:
                    del self.rooms[room]
        connection.rooms.clear()

    def enter_room(self, sid: str, room: str) -> None:
        connection = self.sockets.get(sid)
        if connection is not None:
            connection.rooms.add(room)
            self.rooms.setdefault(room, set()).add(connection)

    def leave_room(self, sid: str, room: str) -> None:
        connection = self.sockets.get(sid)
        if connection is not None:
            connection.rooms.discard(room)
            members = self.rooms.get(room)
            if members is not None:
                members.discard(connection)
                if not members:
                    del self.rooms[room]

    # --- sending ---------------------------------------------------------------------

    def emit(
        self, event: str, data: Any, rooms: str | Iterable[str], skip_sid: str | None = None
    ) -> None:
        """To every socket in any of `rooms` (a room may be a socket's sid), once each,
        on this node and, through the relay, on the others."""
        names = (rooms,) if isinstance(rooms, str) else tuple(rooms)
        packet = event_packet(event, data)
        self.deliver(packet, names, skip_sid)
        if self.relay is not None and not all(name in self.sockets for name in names):
            self.relay.publish(names, skip_sid, packet)

    def deliver(self, packet: str, rooms: tuple[str, ...], skip_sid: str | None) -> None:
        """A pre-encoded Socket.IO event packet to this node's sockets in `rooms`."""
        if len(rooms) == 1:
            targets: Iterable[Connection] = self._members(rooms[0])
        else:
            union: set[Connection] = set()
            for room in rooms:
                union.update(self._members(room))
            targets = union
        frame: bytes | None = None
        for connection in targets:
            if connection.sid == skip_sid:
                continue
            if frame is None:
                frame = frames.text_frame(packet)
            connection.send(packet, frame)

    def _members(self, room: str) -> Iterable[Connection]:
        members = self.rooms.get(room)
        if members is not None:
            return tuple(members)
        socket = self.sockets.get(room)
        return (socket,) if socket is not None else ()

    def mark_dirty(self, connection: Connection) -> None:
        self._dirty.append(connection)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Once per tick: each connection that got something is written once."""
        self._flush_scheduled = False
        dirty, self._dirty = self._dirty, []
        for connection in set(dirty):
            if not connection.closed:
                try:
                    connection.flush()
                except Exception:
                    log.exception("could not write to %s", connection.eio_sid)
                    connection.close("write failed", tell_client=False)

    def hang_up(self, sid: str, error: Any) -> None:
        """Tell the socket why (an `error` event), then close its connection."""
        connection = self.sockets.get(sid)
        if connection is not None:
            connection.send(event_packet("error", error))
            connection.close("server hang-up")

    # --- receiving -------------------------------------------------------------------

    def receive(self, connection: Connection, packet: str) -> None:
        """One Engine.IO packet from the client."""
        kind = packet[:1]
        if kind == MESSAGE:
            self._receive_socket_packet(connection, packet[1:])
        elif kind == PONG:
            connection.pong()
        elif kind == CLOSE:
            connection.close("client close", tell_client=False)
        elif kind not in "256":  # ping (probe), upgrade, noop: nothing to do here
            self.refuse(connection, "That packet is not one this server accepts.")

    def refuse(self, connection: Connection, why: str) -> None:
        log.info("closing connection %s: %s", connection.eio_sid, why)
        if connection.sid is not None:
            connection.send(event_packet("error", self.handlers.protocol_error(why)))
        connection.close("protocol error")

    def _receive_socket_packet(self, connection: Connection, text: str) -> None:
        try:
            packet = parse_socket_packet(text)
        except PacketError:
            self.refuse(connection, "That packet could not be decoded.")
            return
        kind = packet.kind
        if kind in (BINARY_EVENT, BINARY_ACK):
            self.refuse(connection, "Binary packets are not accepted: send JSON events.")
        elif packet.namespace != "/":
            if kind == CONNECT:
                connection.send(
                    connect_error_packet("Invalid namespace", namespace=packet.namespace)
                )
        elif kind == EVENT:
            if connection.sid is None:
                return
            event = packet.data
            name = event[0]
            data = event[1] if len(event) > 1 else None
            if name in RESERVED_EVENTS:
                name, data = UNKNOWN_EVENT, UNREADABLE
            self.spawn(self._run_event(connection, connection.sid, packet.ack_id, name, data))
        elif kind == CONNECT:
            if connection.sid is not None or connection.connecting:
                why = "This socket is connected already."
                connection.send(connect_error_packet(why, self.handlers.protocol_error(why)))
                return
            connection.connecting = True
            connection.held = []
            self.spawn(self._run_connect(connection, packet.data))
        elif kind == DISCONNECT:
            if connection.sid is not None:
                sid, connection.sid = connection.sid, None
                self.sockets.pop(sid, None)
                self._leave_rooms(connection)
                self.spawn(self.handlers.disconnect(sid, "client namespace disconnect"))
        elif kind != ACK:  # acks from clients: the server never asks for one
            self.refuse(connection, "That packet is not one this server accepts.")

    async def _run_connect(self, connection: Connection, auth: Any) -> None:
        sid = secrets.token_urlsafe(15)
        # Registered first so the handler can put the socket in its rooms; what those
        # rooms get meanwhile is held until the CONNECT answer has gone out.
        connection.sid = sid
        self.sockets[sid] = connection
        try:
            await self.handlers.connect(sid, connection.peer, None if auth is UNREADABLE else auth)
        except Exception as exc:
            refused = exc if isinstance(exc, Refused) else Refused("Connection refused.")
            if connection.sid == sid:
                self.sockets.pop(sid, None)
                connection.sid = None
                self._leave_rooms(connection)
            connection.connecting = False
            connection.held = None
            connection.send(connect_error_packet(refused.message, refused.data))
            return
        connection.connecting = False
        if connection.closed or connection.sid != sid:
            # Gone (or `41`) while the handshake ran: what the handler set up for this sid
            # must be undone now; `forget` ran before the handler had stored anything.
            self.sockets.pop(sid, None)
            connection.held = None
            self.spawn(self.handlers.disconnect(sid, "transport close"))
            return
        connection.release_held(connect_packet(sid))

    async def _run_event(
        self, connection: Connection, sid: str, ack_id: int | None, name: str, data: Any
    ) -> None:
        result = await self.handlers.event(sid, name, data)
        if ack_id is not None and connection.sid == sid:
            connection.send(ack_packet(ack_id, result))

    async def drain(self, seconds: float) -> None:
        """Let the events in flight finish (a shutdown's acknowledged work), up to `seconds`."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=seconds)

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(self._guard(coroutine))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _guard(coroutine: Any) -> None:
        try:
            await coroutine
        except Exception:
            log.warning("socket task failed", exc_info=True)
