"""Engine.IO v4 and Socket.IO v5 packets, text only.

An Engine.IO packet is one type digit and its data (`4` + a Socket.IO packet for a
message). A Socket.IO packet is a type digit, an optional `/namespace,`, an optional ack
id and JSON: `42["event",{…}]`, `4317[{…}]`, `40{"token":…}`, `44{"message":…}`.

JSON is orjson's; what orjson refuses to read or write (integers past 64 bits, lone
surrogates) falls back to the standard library, so a payload reaches validation and gets
an error ack rather than vanishing. What neither reads decodes to `UNREADABLE`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import orjson

# Engine.IO packet types.
OPEN, CLOSE, PING, PONG, MESSAGE, UPGRADE, NOOP = "0123456"
# Socket.IO packet types.
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK = "0123456"
# Polling payloads join packets with the record separator.
SEPARATOR = "\x1e"

_EVENT_NAME = re.compile(r'\[\s*"([A-Za-z0-9_:.-]{1,64})"')
_DIGITS = frozenset("0123456789")


class Unreadable:
    def __repr__(self) -> str:
        return "<unreadable JSON>"


# The payload of an event whose JSON could not be read; `UNKNOWN_EVENT` its name when
# even that could not be read.
UNREADABLE = Unreadable()
UNKNOWN_EVENT = "\x00unreadable"


def dumps(obj: Any) -> str:
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, separators=(",", ":"))


def loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return UNREADABLE


def event_packet(event: str, data: Any) -> str:
    """The Engine.IO text of a Socket.IO event with one argument: `42["event",data]`."""
    return "42" + dumps([event, data])


def ack_packet(ack_id: int, data: Any) -> str:
    return f"43{ack_id}" + dumps([data])


def connect_packet(sid: str) -> str:
    return "40" + dumps({"sid": sid})


def connect_error_packet(message: str, data: Any = None, namespace: str = "/") -> str:
    body: dict[str, Any] = {"message": message}
    if data is not None:
        body["data"] = data
    prefix = "" if namespace == "/" else f"{namespace},"
    return "44" + prefix + dumps(body)


@dataclass(slots=True)
class SocketPacket:
    kind: str
    namespace: str
    ack_id: int | None
    data: Any


class PacketError(ValueError):
    """A Socket.IO packet this server cannot read."""


def parse_socket_packet(text: str) -> SocketPacket:
    """`text` is the Engine.IO message's data (the `4` already removed)."""
    if not text or text[0] not in "0123456":
        raise PacketError("unknown Socket.IO packet type")
    kind = text[0]
    i = 1
    namespace = "/"
    if len(text) > 1 and text[1] == "/":
        end = text.find(",", 1)
        if end < 0:
            namespace, i = text[1:], len(text)
        else:
            namespace, i = text[1:end], end + 1
    start = i
    while i < len(text) and text[i] in _DIGITS and i - start < 16:
        i += 1
    ack_id = int(text[start:i]) if i > start else None
    body = text[i:]
    data: Any = None
    if body:
        data = loads(body)
        if kind == EVENT:
            data = _as_event(data, body)
    return SocketPacket(kind, namespace, ack_id, data)


def _as_event(data: Any, body: str) -> Any:
    if data is UNREADABLE:
        name = _EVENT_NAME.match(body[:80])
        return [name.group(1) if name else UNKNOWN_EVENT, UNREADABLE]
    if not isinstance(data, list) or not data or not isinstance(data[0], str):
        # `42{}`, `42[]`, `42[1]`: no event name to dispatch on; still acked.
        return [UNKNOWN_EVENT, UNREADABLE]
    return data
