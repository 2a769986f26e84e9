"""The wire protocol byte by byte, where the real clients never go: a second CONNECT, an
unknown namespace, a binary frame, a long-poll session by hand. webchat only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from support import contract
from support.clients import Tenant
from support.server import WebchatProcess


def visitor_auth(tenant: Tenant) -> str:
    return json.dumps(
        {
            "apiKey": tenant.public_key,
            "sessionId": contract.new_session_id(),
            "fingerprint": contract.new_fingerprint(),
        }
    )


@pytest.fixture
async def ws(server: WebchatProcess) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{server.url}/socket.io/?EIO=4&transport=websocket") as socket,
    ):
        opened = await socket.receive_str(timeout=5)
        assert opened.startswith("0{")
        assert json.loads(opened[1:])["upgrades"] == []
        yield socket


async def next_text(socket: aiohttp.ClientWebSocketResponse, prefix: str) -> str:
    """The next text frame starting with `prefix` (events may come first)."""
    while True:
        text = await socket.receive_str(timeout=5)
        if text.startswith(prefix):
            return text


async def test_a_second_connect_is_refused_with_the_error_object(
    ws: aiohttp.ClientWebSocketResponse, tenant: Tenant
) -> None:
    await ws.send_str("40" + visitor_auth(tenant))
    assert json.loads((await next_text(ws, "40"))[2:])["sid"]
    await ws.send_str("40" + visitor_auth(tenant))
    refused = json.loads((await next_text(ws, "44"))[2:])
    assert refused["data"]["error"]["code"] == "invalid_request"
    assert refused["message"] == refused["data"]["error"]["message"]


async def test_an_unknown_namespace_gets_connect_error(
    ws: aiohttp.ClientWebSocketResponse,
) -> None:
    await ws.send_str("40/admin,{}")
    assert await next_text(ws, "44") == '44/admin,{"message":"Invalid namespace"}'


async def test_a_binary_frame_closes_the_socket_saying_why(
    ws: aiohttp.ClientWebSocketResponse, tenant: Tenant
) -> None:
    await ws.send_str("40" + visitor_auth(tenant))
    await next_text(ws, "40")
    await ws.send_bytes(b"\x01\x02")
    error = json.loads((await next_text(ws, '42["error"'))[2:])
    assert error[1]["error"]["code"] == "invalid_request"
    assert await next_text(ws, "1") == "1"
    closing = await ws.receive(timeout=5)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_an_event_is_acked_with_its_id(
    ws: aiohttp.ClientWebSocketResponse, tenant: Tenant
) -> None:
    await ws.send_str("40" + visitor_auth(tenant))
    await next_text(ws, "40")
    await ws.send_str('4277["no_such_event",{}]')
    ack = await next_text(ws, "4377")
    assert json.loads(ack[4:])[0]["error"]["code"] == "invalid_request"


async def test_long_polling_by_hand(server: WebchatProcess, tenant: Tenant) -> None:
    base = f"{server.url}/socket.io/?EIO=4&transport=polling"
    async with aiohttp.ClientSession() as session:
        async with session.get(base) as opened:
            body = await opened.text()
        handshake: dict[str, Any] = json.loads(body[1:])
        assert body[0] == "0" and handshake["upgrades"] == ["websocket"]
        url = f"{base}&sid={handshake['sid']}"
        async with session.post(url, data="40" + visitor_auth(tenant)) as posted:
            assert posted.status == 200 and await posted.text() == "ok"
        packets: list[str] = []
        while not any(p.startswith('42["session"') for p in packets):
            async with session.get(url) as polled:
                packets += (await polled.text()).split("\x1e")
        assert packets[0].startswith("40{")
        async with session.get(f"{base}&sid=nope") as unknown:
            assert unknown.status == 400
            assert (await unknown.json())["message"] == "Session ID unknown"
