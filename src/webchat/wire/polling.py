"""The long-polling transport, as an ASGI app on `/socket.io/`.

`GET` without a sid opens a connection (its body is the open packet); `GET` with one
waits for packets (at most one at a time); `POST` carries the client's packets, joined by
the record separator. Clients start here when WebSockets are blocked and upgrade when
they can (`websocket.py` takes the connection over).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from starlette.types import Receive, Scope, Send

from webchat.wire.connection import Connection, Peer
from webchat.wire.packets import NOOP, SEPARATOR
from webchat.wire.server import WireServer

UNKNOWN_SID = b'{"code":1,"message":"Session ID unknown"}'
BAD_REQUEST = b'{"code":3,"message":"Bad request"}'
UNKNOWN_TRANSPORT = b'{"code":0,"message":"Transport unknown"}'
BAD_VERSION = b'{"code":5,"message":"Unsupported protocol version"}'


async def handle_polling(wire: WireServer, scope: Scope, receive: Receive, send: Send) -> None:
    method = scope["method"]
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    cors = _cors(headers.get("origin"))
    if method == "OPTIONS":
        await _respond(send, 204, b"", [*cors, (b"access-control-allow-methods", b"GET, POST")])
        return
    query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
    if query.get("EIO") != "4":
        await _respond(send, 400, BAD_VERSION, cors, json=True)
        return
    if query.get("transport") != "polling":
        await _respond(send, 400, UNKNOWN_TRANSPORT, cors, json=True)
        return
    sid = query.get("sid")
    if sid is None:
        if method != "GET":
            await _respond(send, 400, BAD_REQUEST, cors, json=True)
            return
        client = scope.get("client")
        peer = Peer(client[0] if client else "", headers.get("origin"))
        opened = wire.open(peer)
        await _respond(send, 200, wire.open_packet(opened, ["websocket"]).encode(), cors)
        return
    connection = wire.connections.get(sid)
    if connection is None or (connection.ws is not None and not connection.upgrading):
        await _respond(send, 400, UNKNOWN_SID, cors, json=True)
        return
    if method == "GET":
        if connection.waiter is not None:
            connection.close("two polls at once")
            await _respond(send, 400, BAD_REQUEST, cors, json=True)
            return
        packets = await _wait_for_packets(wire, connection)
        await _respond(send, 200, SEPARATOR.join(packets).encode(), cors)
    elif method == "POST":
        body = await _read_body(receive, wire.max_payload)
        if body is None:
            connection.close("payload too large")
            await _respond(send, 413, BAD_REQUEST, cors, json=True)
            return
        try:
            text = body.decode()
        except UnicodeDecodeError:
            connection.close("not UTF-8")
            await _respond(send, 400, BAD_REQUEST, cors, json=True)
            return
        for packet in text.split(SEPARATOR):
            if connection.closed:
                break
            if packet.startswith("b"):
                wire.refuse(connection, "Binary packets are not accepted: send JSON events.")
            else:
                wire.receive(connection, packet)
        await _respond(send, 200, b"ok", cors)
    else:
        await _respond(send, 400, BAD_REQUEST, cors, json=True)


async def _wait_for_packets(wire: WireServer, connection: Connection) -> list[str]:
    if connection.upgrading:
        return [NOOP]
    if connection.has_packets():
        return list(connection.take_packets())
    if connection.closed:
        return ["1"]
    waiter: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
    connection.waiter = waiter
    try:
        # A ping arrives within ping_interval; past that the client has gone.
        return await asyncio.wait_for(waiter, wire.ping_interval + wire.ping_timeout)
    except TimeoutError:
        connection.close("poll timeout", tell_client=False)
        return ["1"]
    finally:
        if connection.waiter is waiter:
            connection.waiter = None


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _cors(origin: str | None) -> list[tuple[bytes, bytes]]:
    # No cookies are used, so any origin may poll; the handshake checks the tenant's.
    if origin is None:
        return []
    return [(b"access-control-allow-origin", b"*")]


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    extra: list[tuple[bytes, bytes]],
    *,
    json: bool = False,
) -> None:
    content_type = b"application/json" if json else b"text/plain; charset=UTF-8"
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
