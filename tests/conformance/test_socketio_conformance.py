"""Socket.IO conformance: the real clients against the server, every transport.

Two clients: socket.io-client 4.x (Node, the widget's and the console's own, from
`node_modules`) and python-socketio's `AsyncClient`. Each scenario runs against webchat
and, once, against python-socketio's own server (`support/reference_sio.py`) doing the
least of the same contract: a scenario that passes there tests the protocol, not our
habits. What only our server promises (binary refused with an `error` event) runs
against webchat alone.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio

from support import contract
from support.flows import create_tenant
from support.server import WebchatProcess
from support.services import free_port, port_open

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = Path(__file__).with_name("sio_scenario.mjs")
REFERENCE = ROOT / "tests" / "support" / "reference_sio.py"
TRANSPORTS = {
    "websocket": (["websocket"], False),
    "polling": (["polling"], False),
    "upgrade": (["polling", "websocket"], True),
}


@dataclass
class Target:
    """A server to check, and how to speak to it as a visitor."""

    name: str
    url: str
    api_key: str
    bad_key: str
    restart: Callable[[], None]
    session_id: str = field(default_factory=contract.new_session_id)
    fingerprint: str = field(default_factory=contract.new_fingerprint)

    def auth(self, key: str | None = None) -> dict[str, Any]:
        return {
            "apiKey": key or self.api_key,
            "sessionId": self.session_id,
            "fingerprint": self.fingerprint,
        }

    def message(self, text: str) -> dict[str, Any]:
        return {
            "sessionId": self.session_id,
            "fingerprint": self.fingerprint,
            "text": text,
            "clientMessageId": contract.new_session_id(),
        }


class ReferenceServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(REFERENCE), str(self.port)])
        for _ in range(100):
            if port_open(self.port):
                return
            asyncio.run(asyncio.sleep(0.1))
        raise RuntimeError("the reference server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module", params=["webchat", "python-socketio"])
def target(request: pytest.FixtureRequest, launcher: Any) -> Iterator[Target]:
    if request.param == "webchat":
        group = launcher.group("embedded", jwt_secret=True)
        server: WebchatProcess = launcher.start(group=group, name="conformance")
        tenant = create_tenant(server)

        def restart() -> None:
            server.kill()
            server.start()

        yield Target("webchat", server.url, tenant.public_key, "pk_live_nope", restart)
        launcher.release(server)
        launcher.release_group(group)
        return
    reference = ReferenceServer()
    reference.start()

    def restart_reference() -> None:
        reference.stop()
        reference.start()

    yield Target(
        "python-socketio",
        f"http://127.0.0.1:{reference.port}",
        "reference-key",
        "nope",
        restart_reference,
    )
    reference.stop()


# --- socket.io-client (Node) ----------------------------------------------------------


async def node_scenario(
    target: Target,
    scenario: str,
    during: Callable[[list[dict[str, Any]]], None] | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Run one scenario; `during(lines)` is called after each line it prints."""
    process = await asyncio.create_subprocess_exec(
        "node",
        str(SCENARIO),
        target.url,
        scenario,
        json.dumps(options),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    lines: list[dict[str, Any]] = []
    async with asyncio.timeout(30):
        while line := await process.stdout.readline():
            lines.append(json.loads(line))
            if during is not None:
                await asyncio.to_thread(during, lines)
        await process.wait()
    assert not any("error" in line for line in lines), lines
    return lines


@pytest.mark.parametrize("transport", list(TRANSPORTS))
async def test_node_client_connects_gets_its_session_and_an_ack(
    target: Target, transport: str
) -> None:
    transports, wait_upgrade = TRANSPORTS[transport]
    (result,) = await node_scenario(
        target,
        "roundtrip",
        auth=target.auth(),
        transports=transports,
        waitUpgrade=wait_upgrade,
        message=target.message(f"hello over {transport}"),
    )
    assert result["first"] == transports[0]
    assert result["transport"] == ("websocket" if transport != "polling" else "polling")
    assert result["ack"]["ok"] is True
    assert result["ack"]["message"]["text"] == f"hello over {transport}"
    assert [e["name"] for e in result["events"]][:1] == ["session"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
async def test_node_client_refused_gets_the_error_object_as_data(
    target: Target, transport: str
) -> None:
    (result,) = await node_scenario(
        target, "refused", auth=target.auth(target.bad_key), transports=[transport]
    )
    assert result["data"]["error"]["code"] == "invalid_api_key"
    assert result["message"] == result["data"]["error"]["message"]


async def test_node_client_reconnects_by_itself_after_a_server_restart(target: Target) -> None:
    def restart_once(lines: list[dict[str, Any]]) -> None:
        if lines[-1] == {"connected": 1}:
            target.restart()

    lines = await node_scenario(
        target,
        "reconnect",
        restart_once,
        auth=target.auth(),
        message=target.message("back"),
        timeoutMs=25000,
    )
    assert lines[0] == {"connected": 1}
    assert {"connected": 2} in lines
    (ack,) = [line["ack"] for line in lines if "ack" in line]
    assert ack["ok"] is True and ack["message"]["text"] == "back"


async def test_node_client_binary_event_is_refused_with_an_error_event(target: Target) -> None:
    if target.name != "webchat":
        pytest.skip("python-socketio accepts binary events; refusing them is ours")
    (result,) = await node_scenario(target, "binary", auth=target.auth())
    errors = [e for e in result["events"] if e["name"] == "error"]
    assert errors and errors[0]["data"]["error"]["code"] == "invalid_request"
    assert result["reason"] in ("transport close", "io server disconnect")


# --- python-socketio's AsyncClient ----------------------------------------------------


async def python_connect(
    target: Target, transports: list[str], key: str | None = None
) -> tuple[socketio.AsyncClient, list[tuple[str, Any]]]:
    client = socketio.AsyncClient(reconnection=False)
    seen: list[tuple[str, Any]] = []

    @client.on("*")
    async def anything(event: str, data: Any = None) -> None:
        seen.append((event, data))

    @client.event
    async def connect_error(data: Any) -> None:
        seen.append(("connect_error", data))

    await client.connect(target.url, auth=target.auth(key), transports=transports, wait_timeout=5)
    return client, seen


@pytest.mark.parametrize("transport", list(TRANSPORTS))
async def test_python_client_connects_and_gets_an_ack(target: Target, transport: str) -> None:
    transports, wait_upgrade = TRANSPORTS[transport]
    client, seen = await python_connect(target, transports)
    try:
        ack = await client.call("message", target.message("from python"), timeout=5)
        assert ack["ok"] is True and ack["message"]["text"] == "from python"
        expected = "websocket" if transport != "polling" else "polling"
        if wait_upgrade:
            async with asyncio.timeout(5):
                while client.transport() != "websocket":  # noqa: ASYNC110 - no upgrade event
                    await asyncio.sleep(0.05)
        assert client.transport() == expected
        assert seen and seen[0][0] == "session"
    finally:
        await client.disconnect()


async def test_python_client_refused_gets_the_error_object(target: Target) -> None:
    with pytest.raises(socketio.exceptions.ConnectionError):
        await python_connect(target, ["websocket"], key=target.bad_key)


async def test_python_client_binary_payload_is_refused(target: Target) -> None:
    if target.name != "webchat":
        pytest.skip("python-socketio accepts binary events; refusing them is ours")
    client, seen = await python_connect(target, ["websocket"])
    gone = asyncio.Event()
    client.on("disconnect", lambda *_: gone.set())
    await client.emit("message", b"\x00\x01")
    async with asyncio.timeout(5):
        await gone.wait()
    errors = [data for event, data in seen if event == "error"]
    assert errors and errors[0]["error"]["code"] == "invalid_request"
