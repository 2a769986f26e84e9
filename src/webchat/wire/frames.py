"""RFC 6455 for a server: the opening handshake's answer, frames out, masked frames in.

Server frames are unmasked, so a frame is a 2–10 byte header and the payload: cheap
enough to build once per broadcast and append to every recipient. Client frames are
masked; the unmasking is `websockets`' C helper (a dependency of uvicorn[standard]).
No extensions are negotiated: per-message deflate stays off (docs/performance.md).
"""

from __future__ import annotations

import base64
import hashlib
import struct

from websockets.speedups import apply_mask

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

# Close codes.
NORMAL, GOING_AWAY, PROTOCOL_ERROR, UNSUPPORTED, INVALID_DATA, TOO_BIG = (
    1000,
    1001,
    1002,
    1003,
    1007,
    1009,
)


# Browsers send a chat event in one frame; a message in thousands of pieces is an attack.
MAX_FRAGMENTS = 64


class FrameError(Exception):
    def __init__(self, code: int, why: str) -> None:
        super().__init__(why)
        self.code = code


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        return bytes((0x80 | opcode, n)) + payload
    if n < 65536:
        return struct.pack("!BBH", 0x80 | opcode, 126, n) + payload
    return struct.pack("!BBQ", 0x80 | opcode, 127, n) + payload


def text_frame(text: str) -> bytes:
    return frame(TEXT, text.encode())


def close_frame(code: int = NORMAL, why: str = "") -> bytes:
    return frame(CLOSE, struct.pack("!H", code) + why.encode()[:120])


class FrameReader:
    """Feeds on bytes, yields whole messages as (opcode, payload); control frames are
    returned as they come, fragmented data frames once complete."""

    __slots__ = ("_buffer", "_fragments", "_opcode", "_size", "max_size")

    def __init__(self, max_size: int) -> None:
        self._buffer = b""
        self._fragments: list[bytes] = []
        self._size = 0
        self._opcode = 0
        self.max_size = max_size

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        buffer = self._buffer + data if self._buffer else data
        out: list[tuple[int, bytes]] = []
        pos = 0
        end = len(buffer)
        while end - pos >= 2:
            b0, b1 = buffer[pos], buffer[pos + 1]
            if b0 & 0x70:
                raise FrameError(PROTOCOL_ERROR, "reserved bits set")
            if not b1 & 0x80:
                raise FrameError(PROTOCOL_ERROR, "client frames must be masked")
            length = b1 & 0x7F
            head = 2
            if length == 126:
                if end - pos < 4:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if end - pos < 10:
                    break
                length = int.from_bytes(buffer[pos + 2 : pos + 10], "big")
                head = 10
            if length > self.max_size:
                raise FrameError(TOO_BIG, "frame too big")
            if end - pos < head + 4 + length:
                break
            mask = buffer[pos + head : pos + head + 4]
            start = pos + head + 4
            payload = apply_mask(buffer[start : start + length], mask)
            pos = start + length
            message = self._assemble(b0 & 0x80, b0 & 0x0F, payload)
            if message is not None:
                out.append(message)
        self._buffer = buffer[pos:] if pos < end else b""
        return out

    def _assemble(self, fin: int, opcode: int, payload: bytes) -> tuple[int, bytes] | None:
        if opcode >= CLOSE:
            if not fin or len(payload) > 125:
                raise FrameError(PROTOCOL_ERROR, "bad control frame")
            return opcode, payload
        if opcode == CONTINUATION:
            if not self._fragments:
                raise FrameError(PROTOCOL_ERROR, "continuation of nothing")
        elif opcode in (TEXT, BINARY):
            if self._fragments:
                raise FrameError(PROTOCOL_ERROR, "new message inside a fragmented one")
            self._opcode = opcode
        else:
            raise FrameError(PROTOCOL_ERROR, "unknown opcode")
        if fin and not self._fragments:
            return opcode, payload
        self._fragments.append(payload)
        self._size += len(payload)
        if self._size > self.max_size or len(self._fragments) > MAX_FRAGMENTS:
            raise FrameError(TOO_BIG, "message too big")
        if not fin:
            return None
        whole = b"".join(self._fragments)
        self._fragments = []
        self._size = 0
        return self._opcode, whole
