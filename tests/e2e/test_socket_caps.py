"""CONTRACT §14, connection caps: past a node's socket cap, or a tenant's share of it, a
handshake is refused with a clear `connect_error` (the §3 error object), and a place freed
is taken again."""

from __future__ import annotations

import asyncio
import time

from support.clients import HandshakeRefused, Visitor
from support.flows import Sockets, create_tenant


async def test_a_tenant_and_a_node_are_capped(make_server, sockets: Sockets) -> None:
    server = make_server(
        "embedded", env={"WEBCHAT_MAX_SOCKETS": "3", "WEBCHAT_MAX_TENANT_SOCKETS": "2"}
    )
    crowded, other = create_tenant(server), create_tenant(server)
    first = await sockets.visitor(crowded, Visitor(), server=server)
    await sockets.visitor(crowded, Visitor(), server=server)
    visitor = Visitor()
    error = await sockets.refused(
        server, {"apiKey": crowded.public_key, **visitor.identity(crowded)}
    )
    assert error["code"] == "rate_limited", error

    await sockets.visitor(other, Visitor(), server=server)  # the other tenant gets in
    error = await sockets.refused(server, {"apiKey": other.public_key, **Visitor().identity(other)})
    assert error["code"] == "unavailable", error  # the node is full

    await first.sio.disconnect()
    await first.disconnected.wait()
    # The place is free again once the server has seen the goodbye (a moment at most).
    deadline = time.monotonic() + 5
    while True:
        try:
            await sockets.visitor(crowded, visitor, server=server)
            break
        except HandshakeRefused:
            assert time.monotonic() < deadline, "the freed place was not given back"
            await asyncio.sleep(0.2)
