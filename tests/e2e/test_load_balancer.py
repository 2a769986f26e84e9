# ruff: noqa: ASYNC109 - bounded waits take their bound as an argument
"""Two `webchat serve` nodes behind a real nginx configured from the shipped
`deploy/nginx.conf` (issue 16, CONTRACT §14): WebSocket and long-polling through it,
per-IP limits that count the client nginx names and nobody else, a node killed behind
it, and a rolling restart under load."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import httpx
import pytest

from support import contract
from support.clients import HandshakeRefused, SocketClient, Tenant, Visitor
from support.flows import Sockets, TenantChat, create_tenant
from support.nginx import NginxProcess, nginx_binary
from support.server import WebchatProcess

pytestmark = pytest.mark.real_only

# nginx connects to the nodes from 127.0.0.1; clients use other loopback addresses
# (Linux routes all of 127/8 to lo) so the nodes can tell a client from the proxy.
PROXY = "127.0.0.1"
TRUSTED = {"WEBCHAT_TRUSTED_PROXIES": PROXY}
RECONNECTING = {
    "reconnection": True,
    "reconnection_delay": 0.2,
    "reconnection_delay_max": 1.0,
    "randomization_factor": 0.0,
}


@pytest.fixture
def make_nginx() -> Iterator[Callable[..., NginxProcess]]:
    """``make_nginx(node, node, ...)``: nginx from deploy/nginx.conf in front of them."""
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (apt-get install -y nginx; scripts/test does it)")
    started: list[NginxProcess] = []

    def make(*nodes: WebchatProcess) -> NginxProcess:
        proxy = NginxProcess([f"127.0.0.1:{node.port}" for node in nodes])
        started.append(proxy)
        return proxy.start()

    yield make
    for proxy in started:
        proxy.cleanup()


def two_nodes(make_server, env: dict[str, str] | None = None) -> tuple[WebchatProcess, ...]:
    group = make_server.group("real")
    env = {**TRUSTED, **(env or {})}
    nodes = tuple(make_server(group=group, name=f"lb-{name}", env=env, wait=False) for name in "ab")
    for node in nodes:
        node.wait_ready()
    return nodes


def open_sockets(node: WebchatProcess, kind: str = "visitor") -> int:
    text = httpx.get(f"{node.url}/metrics", timeout=5).text
    found = re.search(rf'^webchat_open_sockets\{{kind="{kind}"\}} (\S+)$', text, re.MULTILINE)
    return int(float(found[1])) if found else 0


def bound_http(
    proxy: NginxProcess | WebchatProcess, key: str, source: str, **headers: str
) -> httpx.AsyncClient:
    """An HTTP client whose connections come from ``source`` (a loopback address)."""
    return httpx.AsyncClient(
        base_url=proxy.url,
        headers={"Authorization": f"Bearer {key}", **headers},
        transport=httpx.AsyncHTTPTransport(local_address=source),
        timeout=15,
        event_hooks={"response": [contract.response_hook]},
    )


class Resilient(SocketClient):
    """A socket that reconnects by itself, as the widget's and the console's do.

    python-socketio reconnects after a dropped transport but not after the server's
    Engine.IO `close` packet, which a draining node sends; socket.io-client (the widget,
    the console) does reconnect then ("transport close"). This does what they do.
    """

    def __init__(self, server: Any, label: str, **options: Any) -> None:
        super().__init__(server, label, **{**RECONNECTING, **options})
        self.connects = 0
        self._again: asyncio.Task[None] | None = None
        self._connect_args: tuple[Any, tuple[str, ...]] = ({}, ("websocket",))
        recorded = self.sio.handlers["/"]["disconnect"]

        @self.sio.on("connect")
        async def _connected() -> None:
            self.connects += 1

        @self.sio.on("disconnect")
        async def _disconnected(*args: Any) -> None:
            await recorded(*args)
            if args and args[0] == self.sio.reason.SERVER_DISCONNECT and self._again is None:
                self._again = asyncio.create_task(self._reconnect())

    async def connect(  # type: ignore[override]
        self, auth: Any, transports: tuple[str, ...] = ("websocket",), **kwargs: Any
    ) -> SocketClient:
        self._connect_args = (auth, transports)
        return await super().connect(auth, transports=transports, **kwargs)

    async def _reconnect(self) -> None:
        auth, transports = self._connect_args
        delay = RECONNECTING["reconnection_delay"]
        try:
            for _ in range(30):
                await asyncio.sleep(delay)
                with contextlib.suppress(Exception):
                    await self.sio.connect(
                        self.server.url, auth=auth, transports=list(transports), wait_timeout=5
                    )
                    return
                delay = min(delay * 2, RECONNECTING["reconnection_delay_max"])
        finally:
            self._again = None

    async def close(self) -> None:
        if self._again is not None:
            self._again.cancel()
        await super().close()

    async def reconnected(self, connects: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not (self.connects >= connects and self.connected):
            assert time.monotonic() < deadline, f"{self.label}: no reconnection in {timeout}s"
            await asyncio.sleep(0.1)


class Tab(Resilient):
    """A visitor's socket as the widget keeps it: at every handshake it asks for what
    came after the newest message it has seen (`lastMessageId`)."""

    def __init__(self, server: Any, tenant: Tenant, visitor: Visitor, label: str) -> None:
        super().__init__(server, label)
        self.identity = {"apiKey": tenant.public_key, **visitor.identity(tenant)}

    def auth(self) -> dict[str, Any]:
        seen = self.seen()
        return {**self.identity, "lastMessageId": seen[-1]} if seen else dict(self.identity)

    def seen(self) -> list[str]:
        """Message ids received live, replayed, or in a `sync` event, oldest first."""
        ids = [m["messageId"] for m in self.events("meta_message_created") if "messageId" in m]
        for event in self.events("sync"):
            if isinstance(event, dict):
                ids += [m["messageId"] for m in event.get("messages", []) if "messageId" in m]
        return sorted(set(ids))

    async def open(self, transports: tuple[str, ...] = ("websocket",)) -> Tab:
        await self.connect(self.auth, transports=transports)  # type: ignore[arg-type]
        await self.wait_for("session")
        return self


async def stored(chat: TenantChat, visitors: list[Visitor]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for visitor in visitors:
        messages += await chat.all_messages(sessionId=visitor.session_id)
    return messages


# --- (a) both transports ----------------------------------------------------------------


async def test_websocket_and_polling_visitors_chat_with_an_agent_through_nginx(
    make_server, make_nginx, sockets: Sockets
) -> None:
    a, b = two_nodes(make_server)
    proxy = make_nginx(a, b)
    tenant = create_tenant(a)
    agent = await sockets.agent(proxy, api_key=tenant.secret_key, label="agent via nginx")  # type: ignore[arg-type]
    on_ws, on_polling = Visitor(), Visitor()
    ws = await sockets.visitor(tenant, on_ws, server=proxy, label="websocket visitor")  # type: ignore[arg-type]
    polling = await sockets.visitor(
        tenant,
        on_polling,
        server=proxy,  # type: ignore[arg-type]
        label="polling visitor",
        transports=("polling",),
    )
    assert polling.sio.transport() == "polling" and ws.sio.transport() == "websocket"

    chat = TenantChat(tenant, proxy)  # type: ignore[arg-type]
    try:
        for round_ in range(3):  # several polls and posts of one long-polling session
            for tab, visitor in ((ws, on_ws), (polling, on_polling)):
                ack = await tab.call(
                    "message", {**visitor.identity(tenant), "text": f"{tab.label} {round_}"}
                )
                sent = contract.check_ack_ok(ack)["message"]
                assert await agent.wait_message(sent["messageId"]) == sent
                await tab.wait_message(sent["messageId"])
                reply = contract.check_ack_ok(
                    await agent.call(
                        "message", {"sessionId": visitor.session_id, "text": f"re {round_}"}
                    )
                )["message"]
                assert (await tab.wait_message(reply["messageId"]))["text"] == f"re {round_}"
            over_http = (await chat.send(on_polling, f"HTTP via nginx {round_}"))["message"]
            await polling.wait_message(over_http["messageId"])
            await agent.wait_message(over_http["messageId"])
        history = await chat.history(sessionId=on_polling.session_id)
        assert [m["text"] for m in history["messages"]] == [
            text
            for r in range(3)
            for text in (f"polling visitor {r}", f"re {r}", f"HTTP via nginx {r}")
        ]
    finally:
        await chat.aclose()

    # Every request of the long-polling session went to one node (the sticky key).
    session_requests = [
        line for line in proxy.access_log() if "transport=polling" in line and "sid=" in line
    ]
    upstreams = {line.split("upstream=")[1].split()[0] for line in session_requests}
    assert len(session_requests) >= 6 and len(upstreams) == 1, session_requests[-10:]


# --- (b) X-Forwarded-For from nginx only -----------------------------------------------

SESSION_LIMIT = 3


async def handshake(
    proxy: Any, tenant: Tenant, source: str, transports: tuple[str, ...], **headers: str
) -> SocketClient | HandshakeRefused:
    """A new visitor's socket from ``source``: the client, or the refusal."""
    http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0)))
    client = SocketClient(proxy, f"{transports[0]} from {source}", http_session=http)
    try:
        auth = {"apiKey": tenant.public_key, **Visitor().identity(tenant)}
        await client.connect(auth, headers=headers, transports=transports, timeout=8)
        await client.wait_for("session")
        return client
    except HandshakeRefused as refused:
        return refused
    finally:
        await client.close()
        await http.close()


async def test_per_ip_limits_count_the_client_nginx_names_and_no_one_else(
    make_server, make_nginx
) -> None:
    a, b = two_nodes(make_server, {"WEBCHAT_SESSION_RATE_LIMIT": f"{SESSION_LIMIT}/minute"})
    proxy = make_nginx(a, b)
    tenant = create_tenant(a)

    async def new_sessions(http: httpx.AsyncClient, count: int, **headers: str) -> list[int]:
        statuses = []
        for _ in range(count):
            response = await http.post(
                "/webchat/session", json=Visitor().identity(tenant), headers=headers
            )
            statuses.append(response.status_code)
        return statuses

    # Through nginx, 127.0.0.3 uses up its budget, counted on both nodes together (nginx
    # spreads these requests over both).
    async with bound_http(proxy, tenant.public_key, "127.0.0.3") as http:
        assert await new_sessions(http, SESSION_LIMIT + 1) == [200] * SESSION_LIMIT + [429]
    # ... and 127.0.0.4 behind the same nginx is another client, over HTTP, WebSocket and
    # long-polling handshakes alike: were X-Forwarded-For ignored anywhere, these would
    # count against nginx's own 127.0.0.1 and the last one would get through.
    async with bound_http(proxy, tenant.public_key, "127.0.0.4") as http:
        assert await new_sessions(http, 1) == [200]
        assert isinstance(await handshake(proxy, tenant, "127.0.0.4", ("websocket",)), SocketClient)
        assert isinstance(await handshake(proxy, tenant, "127.0.0.4", ("polling",)), SocketClient)
        refused = await handshake(proxy, tenant, "127.0.0.4", ("websocket",))
        assert isinstance(refused, HandshakeRefused), "a 4th new session from 127.0.0.4"
        assert refused.error["code"] == "rate_limited", refused.error
        assert await new_sessions(http, 1) == [429]
    # A client cannot pass itself off as another through nginx (nginx replaces the
    # header with the address it sees)...
    async with bound_http(proxy, tenant.public_key, "127.0.0.5") as http:
        assert await new_sessions(http, 1, **{"X-Forwarded-For": "127.0.0.3"}) == [200]
        assert await new_sessions(http, 1, **{"X-Forwarded-For": "203.0.113.9"}) == [200]

    # ... nor straight to a node: 127.0.0.2 is not a trusted proxy, so whatever
    # X-Forwarded-For it sends, it is counted as itself and meets its limit (were the
    # header believed, every forged address would have a fresh budget).
    forged = [f"198.51.100.{i}" for i in range(SESSION_LIMIT + 1)]
    async with bound_http(a, tenant.public_key, "127.0.0.2") as http:
        statuses = [(await new_sessions(http, 1, **{"X-Forwarded-For": ip}))[0] for ip in forged]
        assert statuses == [200] * SESSION_LIMIT + [429], statuses
    for transports in (("websocket",), ("polling",)):
        refused = await handshake(
            b, tenant, "127.0.0.2", transports, **{"X-Forwarded-For": "1.2.3.4"}
        )
        assert isinstance(refused, HandshakeRefused), f"forged X-Forwarded-For on {transports}"
        assert refused.error["code"] == "rate_limited", refused.error


# --- (c) a node killed behind nginx ----------------------------------------------------


async def tab_on(node: WebchatProcess, make_tab: Callable[[], Tab], tries: int = 12) -> Tab:
    """A WebSocket visitor that nginx happened to send to ``node`` (it spreads
    WebSocket-only clients at random)."""
    for _ in range(tries):
        before = open_sockets(node)
        tab = await make_tab().open()
        if open_sockets(node) > before:
            return tab
        await tab.close()
    raise AssertionError(f"nginx sent no WebSocket to {node.name} in {tries} tries")


async def test_a_node_killed_behind_nginx_loses_nothing(
    make_server, make_nginx, sockets: Sockets
) -> None:
    nodes = two_nodes(make_server)
    proxy = make_nginx(*nodes)
    tenant = create_tenant(nodes[0])
    chat = TenantChat(tenant, proxy)  # type: ignore[arg-type]
    agent = Resilient(proxy, "agent via nginx")
    sockets.clients.append(agent)
    await agent.connect({"apiKey": tenant.secret_key})
    polling_visitor, ws_visitor = Visitor(), Visitor()
    polling = Tab(proxy, tenant, polling_visitor, "polling tab")
    sockets.clients.append(polling)
    await polling.open(transports=("polling",))
    # The node the long-polling tab is pinned to (by its address) is the one to die.
    victim = next(node for node in nodes if open_sockets(node) == 1)
    survivor = next(node for node in nodes if node is not victim)

    def make_ws_tab() -> Tab:
        tab = Tab(proxy, tenant, ws_visitor, "websocket tab")
        sockets.clients.append(tab)
        return tab

    ws = await tab_on(victim, make_ws_tab)
    pairs = ((ws, ws_visitor), (polling, polling_visitor))
    acked: list[dict[str, Any]] = []
    try:
        for tab, visitor in pairs:
            for i in range(3):
                ack = await tab.call("message", {**visitor.identity(tenant), "text": f"before {i}"})
                acked.append(contract.check_ack_ok(ack)["message"])
        await agent.wait_message(acked[-1]["messageId"])

        victim.kill()
        # HTTP sends through nginx keep being answered (chat.send wants a 201): its
        # connection to the dead node is refused, and it retries on the other one.
        missed = [(await chat.send(visitor, "while down"))["message"] for _, visitor in pairs]
        # nginx skips a failed node for its fail_timeout (5 s) and then tries it again,
        # with whichever request comes first. Sent until one of these sends was that
        # request, so the retry did happen: only for the WebSocket tab's visitor, as a
        # message to the polling tab ends its poll and the next one, hashed to the
        # dead node by the tab's address, would win that race.
        retried = re.compile(
            rf'"POST /webchat/message [^"]*" 201 upstream=127\.0\.0\.1:{victim.port}, '
        )
        deadline = time.monotonic() + 20
        while not any(retried.search(line) for line in proxy.access_log()):
            assert time.monotonic() < deadline, "no send met the dead node in 20 s"
            missed.append((await chat.send(ws_visitor, f"while down {len(missed)}"))["message"])
            await asyncio.sleep(0.1)
        acked += missed
        for tab, visitor in pairs:
            await tab.reconnected(connects=2)
            # Replayed from the handshake's lastMessageId (or a `sync`): nothing missed.
            mine = {m["messageId"] for m in missed if m["sessionId"] == visitor.session_id}
            await tab.wait_until(
                lambda tab=tab, mine=mine: mine <= set(tab.seen()),  # type: ignore[misc]
                timeout=15,
                what="replay of the messages sent while the node was dead",
            )
        assert open_sockets(survivor) == 2, "both tabs are back, on the surviving node"
        await agent.reconnected(connects=agent.connects)  # if it was on the dead node
        for tab, visitor in pairs:
            ack = await tab.call("message", {**visitor.identity(tenant), "text": "after"})
            sent = contract.check_ack_ok(ack)["message"]
            acked.append(sent)
            await agent.wait_message(sent["messageId"], timeout=20)

        history = await stored(chat, [ws_visitor, polling_visitor])
        counts = Counter(m["messageId"] for m in history)
        assert all(counts[m["messageId"]] == 1 for m in acked), counts
        assert len(history) == len(acked), "nothing stored that was not acknowledged"
    finally:
        await chat.aclose()


# --- (d) rolling restart under load ----------------------------------------------------


class Load:
    """Visitors sending through nginx until told to stop: over HTTP (every answer must be
    2xx) and over a reconnecting socket (a send without an ack is sent again, with the
    same clientMessageId, once the socket is back)."""

    def __init__(self, proxy: NginxProcess, tenant: Tenant) -> None:
        self.proxy = proxy
        self.tenant = tenant
        self.http_visitors = [Visitor() for _ in range(3)]
        self.socket_visitor = Visitor()
        self.acked: dict[str, str] = {}  # clientMessageId -> messageId
        self.http_failures: list[str] = []
        self.socket_retries = 0
        self.socket_errors: list[Any] = []
        self.running = True

    def sent(self) -> int:
        return len(self.acked)

    async def http_loop(self, visitor: Visitor) -> None:
        async with httpx.AsyncClient(
            base_url=self.proxy.url,
            headers={"Authorization": f"Bearer {self.tenant.public_key}"},
            timeout=15,
        ) as http:
            i = 0
            while self.running:
                cmid = str(uuid.uuid4())
                payload = {
                    **visitor.identity(self.tenant),
                    "text": f"h{i}",
                    "clientMessageId": cmid,
                }
                try:
                    response = await http.post("/webchat/message", json=payload)
                except httpx.HTTPError as exc:
                    self.http_failures.append(repr(exc))
                else:
                    if response.status_code in (200, 201):
                        self.acked[cmid] = response.json()["message"]["messageId"]
                    else:
                        self.http_failures.append(f"{response.status_code} {response.text[:200]}")
                i += 1
                await asyncio.sleep(0.02)

    async def socket_loop(self, tab: Tab) -> None:
        i = 0
        while self.running:
            cmid = str(uuid.uuid4())
            payload = {**self.socket_visitor.identity(self.tenant), "text": f"s{i}"}
            payload["clientMessageId"] = cmid
            for _attempt in range(40):
                ack = None
                if tab.connected:
                    with contextlib.suppress(Exception):
                        ack = await tab.sio.call("message", payload, timeout=5)
                if isinstance(ack, dict) and ack.get("ok"):
                    self.acked[cmid] = ack["message"]["messageId"]
                    break
                if isinstance(ack, dict) and ack.get("error", {}).get("code") != "unavailable":
                    self.socket_errors.append(ack)
                    break
                self.socket_retries += 1
                await asyncio.sleep(0.25)
            else:
                self.socket_errors.append(
                    f"{cmid}: no ack in 40 attempts; connected={tab.connected} "
                    f"connects={tab.connects} connect_error={tab.connect_error!r} "
                    f"disconnects={tab.events('disconnect')}"
                )
            i += 1
            await asyncio.sleep(0.02)

    async def until_more(self, count: int, timeout: float = 20) -> None:
        goal = self.sent() + count
        deadline = time.monotonic() + timeout
        while self.sent() < goal:
            assert time.monotonic() < deadline, f"sends stalled at {self.sent()} (goal {goal})"
            await asyncio.sleep(0.05)


async def sigterm(node: WebchatProcess) -> float:
    assert node.proc is not None
    started = time.monotonic()
    node.proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(node.proc.wait, 20)
    assert node.proc.returncode in (0, -signal.SIGTERM), node.logs()
    return time.monotonic() - started


async def back_in_use(proxy: NginxProcess, node: WebchatProcess, timeout: float = 20) -> None:
    """nginx sends requests to ``node`` again (after its fail_timeout)."""
    mark = len(proxy.access_log())
    deadline = time.monotonic() + timeout
    while not any(
        f"upstream=127.0.0.1:{node.port} upstream_status=20" in line
        for line in proxy.access_log()[mark:]
    ):
        assert time.monotonic() < deadline, f"nginx did not take {node.name} back"
        await asyncio.sleep(0.1)


async def test_rolling_restart_behind_nginx_under_load(
    make_server, make_nginx, sockets: Sockets
) -> None:
    a, b = two_nodes(make_server, {"WEBCHAT_VISITOR_RATE_LIMIT": "100000/minute"})
    proxy = make_nginx(a, b)
    tenant = create_tenant(a)
    load = Load(proxy, tenant)
    tab = Tab(proxy, tenant, load.socket_visitor, "sending tab")
    sockets.clients.append(tab)
    await tab.open()
    tasks = [asyncio.create_task(load.http_loop(v)) for v in load.http_visitors]
    tasks.append(asyncio.create_task(load.socket_loop(tab)))
    took = []
    try:
        await load.until_more(30)
        for node in (a, b):
            took.append(await sigterm(node))
            await load.until_more(30)  # the other node carries everything
            await asyncio.to_thread(node.start)
            await back_in_use(proxy, node)
            await load.until_more(30)
    finally:
        load.running = False
        await asyncio.gather(*tasks)

    assert all(t < 10 for t in took), f"SIGTERM to exit: {took}"
    assert not load.http_failures, f"visitors saw errors: {load.http_failures[:5]}"
    assert not load.socket_errors, load.socket_errors[:5]
    assert tab.connects >= 2, "the socket was moved at least once"
    chat = TenantChat(tenant, proxy)  # type: ignore[arg-type]
    try:
        history = await stored(chat, [*load.http_visitors, load.socket_visitor])
    finally:
        await chat.aclose()
    counts = Counter(m["clientMessageId"] for m in history)
    assert set(counts) == set(load.acked), "stored what was acknowledged, and only that"
    assert max(counts.values()) == 1, [c for c, n in counts.items() if n > 1]
    print(f"\n{len(load.acked)} sends acked, {load.socket_retries} socket retries, drains {took}")
