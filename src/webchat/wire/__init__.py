"""Our Engine.IO v4 / Socket.IO v5 server: the wire under the real-time box.

No product knowledge lives here: it speaks the protocol socket.io-client 4.x and
python-socketio's client speak (WebSocket, long-polling with upgrade, pings, acks,
`connect_error`), keeps rooms, and fans an event out by encoding it once and appending
the same bytes to every recipient, each connection written once per loop tick.
`webchat.realtime` plugs the product in through `WireHandlers`.
"""
