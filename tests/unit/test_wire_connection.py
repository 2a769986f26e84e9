"""`webchat.wire.server` and `connection` with a fake WebSocket: the paths a real client
rarely takes (a slow reader, a disconnect in the middle of the handshake, a refusal after
rooms were joined) leave nothing behind."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from webchat.wire import frames
from webchat.wire.connection import HIGH_WATER_BYTES, Peer
from webchat.wire.server import Refused, WireServer


class FakeSocket:
    def __init__(self, backlog: int = 0) -> None:
        self.written: list[bytes] = []
        self.closed: list[int] = []
        self.backlog = backlog

    def write_frames(self, chunk: bytes) -> int:
        self.written.append(chunk)
        return self.backlog

    def close(self, code: int) -> None:
        self.closed.append(code)


class Handlers:
    def __init__(self) -> None:
        self.wire: WireServer | None = None
        self.gate = asyncio.Event()
        self.gate.set()
        self.refuse = False
        self.disconnected: list[str] = []

    async def connect(self, sid: str, peer: Peer, auth: Any) -> None:
        assert self.wire is not None
        self.wire.enter_room(sid, "tenant:t")
        await self.gate.wait()
        if self.refuse:
            raise Refused("No.", {"error": {"code": "invalid_api_key"}})

    async def disconnect(self, sid: str, reason: str) -> None:
        self.disconnected.append(sid)

    async def event(self, sid: str, name: str, data: Any) -> Any:
        return {"ok": True}

    def protocol_error(self, why: str) -> Any:
        return {"error": {"code": "invalid_request", "message": why}}


@pytest.fixture
def wire() -> tuple[WireServer, Handlers]:
    handlers = Handlers()
    server = WireServer(handlers)
    handlers.wire = server
    return server, handlers


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_reader_past_the_high_water_mark_is_closed_once(wire: Any) -> None:
    server, _ = wire
    socket = FakeSocket(backlog=HIGH_WATER_BYTES + 1)
    connection = server.open(Peer("127.0.0.1", None))
    connection.attach_websocket(socket)
    connection.send('42["x",{}]')
    await settle()
    assert connection.closed and connection.eio_sid not in server.connections
    assert socket.closed == [frames.NORMAL]
    assert socket.written[-1].endswith(frames.text_frame("1"))


async def test_a_disconnect_during_the_handshake_undoes_it(wire: Any) -> None:
    server, handlers = wire
    socket = FakeSocket()
    connection = server.open(Peer("127.0.0.1", None))
    connection.attach_websocket(socket)
    handlers.gate.clear()
    server.receive(connection, "40{}")
    await settle()
    sid = connection.sid
    assert sid is not None
    server.receive(connection, "41")
    handlers.gate.set()
    await settle()
    server.flush()
    assert server.sockets == {} and server.rooms == {}
    assert handlers.disconnected.count(sid) >= 1
    assert not any(b"40{" in chunk for chunk in socket.written)


async def test_a_refusal_after_joining_rooms_leaves_no_room_behind(wire: Any) -> None:
    server, handlers = wire
    socket = FakeSocket()
    connection = server.open(Peer("127.0.0.1", None))
    connection.attach_websocket(socket)
    handlers.refuse = True
    server.receive(connection, "40{}")
    await settle()
    server.flush()
    assert server.rooms == {} and server.sockets == {} and connection.sid is None
    assert any(b'44{"message":"No."' in chunk for chunk in socket.written)


def test_a_message_in_too_many_fragments_is_refused() -> None:
    reader = frames.FrameReader(max_size=1 << 20)
    mask = b"\x00\x00\x00\x00"
    data = bytes((frames.TEXT, 0x80)) + mask  # first fragment, empty, not final
    data += (bytes((frames.CONTINUATION, 0x80)) + mask) * (frames.MAX_FRAGMENTS + 1)
    with pytest.raises(frames.FrameError):
        reader.feed(data)
