"""python-socketio's server, held to what our protocol is: JSON events and acks.

The widget and the console never send binary packets. python-socketio would buffer the
attachments a binary packet announces, without an overall cap (the 64 KiB limit is per
frame), so one socket could grow the process by whatever it sent. A binary packet or
frame, or a packet that does not decode, closes the socket with an `error` event saying
why; an event whose payload is unreadable still gets its ack (`invalid_request`).
"""

from __future__ import annotations

import logging
from typing import Any

import socketio
from socketio import packet

from webchat.errors import ApiError, invalid_request
from webchat.realtime.json_codec import UNKNOWN_EVENT, UNREADABLE

log = logging.getLogger(__name__)


class JsonOnlyServer(socketio.AsyncServer):  # type: ignore[misc]
    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        if not isinstance(data, str):
            await self._refuse(eio_sid, "Binary frames are not accepted: send JSON events.")
            return
        try:
            pkt = self.packet_class(encoded_packet=data)
        except (ValueError, RecursionError):
            await self._refuse(eio_sid, "That packet could not be decoded.")
            return
        if pkt.packet_type in (packet.BINARY_EVENT, packet.BINARY_ACK):
            await self._refuse(eio_sid, "Binary packets are not accepted: send JSON events.")
            return
        if pkt.packet_type == packet.EVENT:
            event = pkt.data
            if not isinstance(event, list) or not event or not isinstance(event[0], str):
                # `42{}`, `42[]`, `42[1]`: no event name to dispatch on; still acked.
                event = [UNKNOWN_EVENT, UNREADABLE]
            elif event[0] in self.reserved_events:
                # `42["connect", …]` from a client would run our connect handler with an
                # environ of its choosing: never an event a client may send.
                event = [UNKNOWN_EVENT, UNREADABLE]
            await self._handle_event(eio_sid, pkt.namespace, pkt.id, event)
            return
        # CONNECT, DISCONNECT, ACK and the rest: python-socketio's own handling.
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError:
            await self._refuse(eio_sid, "That packet is not one this server accepts.")

    async def _refuse(self, eio_sid: str, why: str) -> None:
        log.info("closing socket %s: %s", eio_sid, why)
        sid = self.manager.sid_from_eio_sid(eio_sid, "/")
        if sid is not None:
            await self.emit("error", invalid_request(why).body(), to=sid)
        await self._close_transport(eio_sid)

    async def hang_up(self, sid: str, error: ApiError) -> None:
        """Tell the socket why (an `error` event), then close it and its transport."""
        eio_sid = self.manager.eio_sid_from_sid(sid, "/")
        await self.emit("error", error.body(), to=sid)
        if eio_sid is not None:
            await self._close_transport(eio_sid)

    async def _close_transport(self, eio_sid: str) -> None:
        # Engine.IO's own disconnect sends the close packet and then waits for the client
        # to hang up; a hostile client never does (until the ping timeout). Ending the
        # socket's send queue makes its writer close the WebSocket from our side.
        socket = self.eio.sockets.get(eio_sid)
        await self.eio.disconnect(eio_sid)
        if socket is not None:
            socket.queue.put_nowait(None)
