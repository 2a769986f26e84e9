"""The WebSocket transport: an asyncio protocol uvicorn hands upgraded connections to.

`webchat serve` passes this class as uvicorn's `ws=` implementation: uvicorn parses the
HTTP request, sees `Upgrade: websocket` and gives us the transport with the request's
bytes; from then on frames go straight between the socket and the `WireServer` (found in
the lifespan state under `APP_STATE_KEY`), one callback per read, one write per tick.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from uvicorn.middleware.proxy_headers import _TrustedHosts

from webchat.wire import frames
from webchat.wire.connection import HIGH_WATER_BYTES, Connection, Peer
from webchat.wire.packets import PING, PONG, UPGRADE
from webchat.wire.server import WireServer

log = logging.getLogger(__name__)

APP_STATE_KEY = "webchat.wire"
SOCKET_PATHS = ("/socket.io/", "/socket.io")
# How long the client has to finish the opening handshake's request.
HANDSHAKE_BYTES = 16 * 1024


def _trusted_proxies(config: Any) -> _TrustedHosts | None:
    """uvicorn's own reading of `--forwarded-allow-ips` (what its HTTP side trusts), so a
    handshake behind a proxy is limited per visitor, not per proxy."""
    if not getattr(config, "proxy_headers", False):
        return None
    allowed = config.forwarded_allow_ips
    key = allowed if isinstance(allowed, str) else ",".join(allowed)
    if key not in _PROXIES:  # one per process, not one per connection
        _PROXIES[key] = _TrustedHosts(allowed)
    return _PROXIES[key]


_PROXIES: dict[str, _TrustedHosts] = {}


def http_error(status: str, body: bytes = b"") -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


class WireWebSocket(asyncio.Protocol):
    __slots__ = (
        "_proxies",
        "_request",
        "_server_state",
        "connection",
        "reader",
        "transport",
        "upgraded",
        "wire",
    )

    def __init__(self, config: Any, server_state: Any, app_state: dict[str, Any], **_: Any):
        self.wire: WireServer | None = app_state.get(APP_STATE_KEY)
        self._proxies = _trusted_proxies(config)
        self._server_state = server_state
        self.transport: asyncio.Transport | None = None
        self.connection: Connection | None = None
        self.reader: frames.FrameReader | None = None
        self.upgraded = False  # False while an upgrade from polling is being probed
        self._request = b""

    # --- asyncio.Protocol ------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self._server_state.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._server_state.connections.discard(self)
        connection = self.connection
        if connection is not None and (self.upgraded or connection.ws is self):
            connection.close("transport close", tell_client=False)
        elif connection is not None and connection.probe is self:
            # A probe that never finished: polling goes on.
            connection.probe = None
            connection.upgrading = False

    def data_received(self, data: bytes) -> None:
        if self.reader is None:
            try:
                self._handshake(data)
            except Exception:  # a request line uvicorn took but we cannot read
                log.info("unreadable WebSocket handshake", exc_info=True)
                self._reject("400 Bad Request")
            return
        try:
            messages = self.reader.feed(data)
        except frames.FrameError as exc:
            self._fail(exc.code, str(exc))
            return
        for opcode, payload in messages:
            if self.transport is None or self.transport.is_closing():
                return
            self._on_message(opcode, payload)

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: the client is told to go (and reconnects)."""
        if self.connection is not None and not self.connection.closed:
            self.connection.close("server shutting down")
        elif self.transport is not None:
            self.transport.close()

    # --- Carrier (what a Connection writes through) ----------------------------------

    def write_frames(self, chunk: bytes) -> int:
        transport = self.transport
        if transport is None or transport.is_closing():
            return 0
        transport.write(chunk)
        return transport.get_write_buffer_size()

    def close(self, code: int) -> None:
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.write(frames.close_frame(code))
            transport.close()

    # --- the opening handshake -------------------------------------------------------

    def _handshake(self, data: bytes) -> None:
        assert self.transport is not None
        self._request += data
        if b"\r\n\r\n" not in self._request:
            if len(self._request) > HANDSHAKE_BYTES:
                self._reject("431 Request Header Fields Too Large")
            return
        head = self._request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        target = urlsplit(parts[1] if len(parts) > 1 else "")
        wire = self.wire
        if wire is None or target.path not in SOCKET_PATHS:
            self._reject("404 Not Found")
            return
        query = dict(parse_qsl(target.query))
        key = headers.get("sec-websocket-key")
        if headers.get("sec-websocket-version") != "13" or not key:
            self._reject("426 Upgrade Required")
            return
        if query.get("EIO") != "4":
            self._reject("400 Bad Request", b'{"code":5,"message":"Unsupported protocol version"}')
            return
        sid = query.get("sid")
        if sid is not None:
            existing = wire.connections.get(sid)
            if existing is None or existing.ws is not None:
                self._reject("400 Bad Request", b'{"code":1,"message":"Session ID unknown"}')
                return
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + frames.accept_key(key).encode() + b"\r\n\r\n"
        )
        self.reader = frames.FrameReader(wire.max_payload)
        self._request = b""
        if sid is not None:
            self.connection = wire.connections[sid]  # probed before it takes over
            self.connection.probe = self
            return
        peer = self.transport.get_extra_info("peername")
        client_ip = peer[0] if isinstance(peer, tuple) else ""
        forwarded = headers.get("x-forwarded-for")
        if forwarded and self._proxies is not None and client_ip in self._proxies:
            # As uvicorn does for HTTP: the client a trusted proxy names.
            client_ip = self._proxies.get_trusted_client_address(forwarded)[0] or client_ip
        self.connection = wire.open(Peer(client_ip, headers.get("origin")))
        self.upgraded = True
        self.connection.attach_websocket(self)
        self.connection.send(wire.open_packet(self.connection, []))

    def _reject(self, status: str, body: bytes = b"") -> None:
        assert self.transport is not None
        if not self.transport.is_closing():
            self.transport.write(http_error(status, body))
            self.transport.close()

    # --- frames ----------------------------------------------------------------------

    def _on_message(self, opcode: int, payload: bytes) -> None:
        assert self.transport is not None and self.wire is not None
        if opcode == frames.TEXT:
            try:
                text = payload.decode()
            except UnicodeDecodeError:
                self._fail(frames.INVALID_DATA, "text frames must be UTF-8")
                return
            connection = self.connection
            if connection is None or connection.closed:
                return
            if self.upgraded:
                self.wire.receive(connection, text)
            else:
                self._probe(connection, text)
        elif opcode == frames.BINARY:
            if self.connection is not None and self.upgraded:
                self.wire.refuse(
                    self.connection, "Binary frames are not accepted: send JSON events."
                )
            else:
                self._fail(frames.UNSUPPORTED, "binary frames are not accepted")
        elif opcode == frames.PING:
            if self.write_frames(frames.frame(frames.PONG, payload)) > HIGH_WATER_BYTES:
                self._fail(frames.GOING_AWAY, "pings sent, nothing read")
        elif opcode == frames.CLOSE:
            self.transport.write(frames.close_frame(frames.NORMAL))
            self.transport.close()
            if self.connection is not None and self.upgraded:
                self.connection.close("transport close", tell_client=False)

    def _probe(self, connection: Connection, text: str) -> None:
        """An upgrade from polling: `2probe` → `3probe`, the poll ends, then `5`."""
        assert self.transport is not None
        if text == PING + "probe":
            self.transport.write(frames.text_frame(PONG + "probe"))
            connection.upgrading = True
            connection.end_poll()
        elif text == UPGRADE and connection.upgrading:
            self.upgraded = True
            connection.attach_websocket(self)
        else:
            self._fail(frames.PROTOCOL_ERROR, "expected the upgrade probe")

    def _fail(self, code: int, why: str) -> None:
        log.info("closing WebSocket: %s", why)
        if self.connection is not None and self.upgraded:
            self.connection.close("protocol error", tell_client=False)
        self.close(code)
