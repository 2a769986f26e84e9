"""Security review: attacks on a running `webchat serve`, each asserting the fixed behaviour.

1. a key revoked while its sockets are open: they are disconnected within 5 s, on every node;
2. binary Socket.IO packets (our protocol is JSON only) cannot pile up in server memory;
3. a wrong-fingerprint flood never locks the real visitor out (refusals limited per IP);
4. `/socket.io/` never tells browsers to send credentials cross-origin;
5. malformed socket payloads always get an `invalid_request` ack, never a traceback;
6. empty sessions do not flood the inbox, and new sessions are limited per IP;
7. `nosniff` on JSON answers; secret keys are for servers, never from a browser `Origin`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from socketio import exceptions as sio_exceptions

from support import contract
from support.clients import SocketClient, Tenant, Visitor, http_client
from support.flows import Sockets, TenantChat, expect_server_disconnect, key_tenant
from support.raw_socket import RawRefused, RawSocket, RawSockets
from support.server import WebchatProcess

EVIL = "https://evil.example"
GOOD = "https://shop.example.com"


@pytest.fixture
async def raw() -> AsyncIterator[RawSockets]:
    sockets = RawSockets()
    yield sockets
    await sockets.close_all()


def visitor_auth(tenant: Tenant, visitor: Visitor, **extra: Any) -> dict[str, Any]:
    return {"apiKey": tenant.public_key, **visitor.identity(tenant), **extra}


def rss_kib(server: WebchatProcess) -> int:
    """Resident set size of the server process, from /proc (kB)."""
    assert server.proc is not None, f"{server.name} has no process"
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS in /proc/{server.proc.pid}/status")


def new_tracebacks(server: WebchatProcess, sizes: tuple[int, int]) -> str:
    text = server.logs_since(sizes, limit=20_000)
    return text if "Traceback" in text else ""


async def raw_visitor(raw: RawSockets, tenant: Tenant, visitor: Visitor, label: str) -> RawSocket:
    """A raw socket after a successful visitor handshake (and its `session` event)."""
    sock = raw.new(tenant.server, label)
    await sock.connect(visitor_auth(tenant, visitor))
    await sock.wait_text(lambda t: t.startswith('42["session"'), 5, "`session` event")
    return sock


async def message_after_disconnect(client: SocketClient, payload: dict[str, Any]) -> None:
    """A message on a dropped socket: no ack at all, or a refusal; never `ok: true`."""
    try:
        ack = await client.sio.call("message", payload, timeout=3)
    except sio_exceptions.SocketIOError:
        return  # not connected: nothing was sent
    assert not (isinstance(ack, dict) and ack.get("ok") is True), (
        f"a message on a socket whose key was revoked was acked ok: {ack!r}"
    )


# --- 1. revoked keys on open sockets ----------------------------------------------------


async def test_revoked_public_key_disconnects_its_open_visitor_socket(
    server: WebchatProcess, make_tenant, sockets: Sockets
) -> None:
    tenant = make_tenant(server)
    created = server.cli("key", "create", tenant.tenant_id, "--kind", "public")
    via_key = key_tenant(tenant, created["key"])
    visitor = Visitor()
    tab = await sockets.visitor(via_key, visitor, label="visitor on the doomed key")
    ack = await tab.call("message", {**visitor.identity(tenant), "text": "before revoke"})
    contract.check_ack_ok(ack)

    server.cli("key", "revoke", created["prefix"])
    revoked_at = time.monotonic()
    await expect_server_disconnect(
        tab, revoked_at, "visitor socket opened with a revoked public key"
    )
    await message_after_disconnect(tab, {**visitor.identity(tenant), "text": "after revoke"})

    error = await sockets.refused(server, visitor_auth(via_key, Visitor()))
    assert error["code"] == "invalid_api_key", f"handshake with the revoked key: {error!r}"
    chat = TenantChat(tenant, server)
    try:
        texts = [m["text"] for m in (await chat.history(sessionId=visitor.session_id))["messages"]]
    finally:
        await chat.aclose()
    assert texts == ["before revoke"], f"history after the revocation: {texts!r}"


async def test_revoked_secret_key_disconnects_its_open_agent_socket(
    server: WebchatProcess, make_tenant, sockets: Sockets
) -> None:
    tenant = make_tenant(server)
    created = server.cli("key", "create", tenant.tenant_id, "--kind", "secret")
    agent = await sockets.agent(server, api_key=created["key"], label="agent on the doomed key")
    bystander = await sockets.agent(server, api_key=tenant.secret_key, label="other secret key")
    ack = await agent.call("get_online_users", {})
    assert isinstance(ack, dict) and ack.get("ok") is not False, f"before revoke: {ack!r}"

    server.cli("key", "revoke", created["prefix"])
    revoked_at = time.monotonic()
    await expect_server_disconnect(
        agent, revoked_at, "agent socket opened with a revoked secret key"
    )
    visitor = Visitor()
    await message_after_disconnect(agent, {"sessionId": visitor.session_id, "text": "late"})

    error = await sockets.refused(server, {"apiKey": created["key"]})
    assert error["code"] == "invalid_api_key", f"handshake with the revoked key: {error!r}"
    assert bystander.connected, "a socket on the tenant's other secret key was dropped too"


@pytest.mark.real_only
async def test_revocation_disconnects_sockets_on_another_node(
    backend: str, make_server, sockets: Sockets, make_tenant
) -> None:
    group = make_server.group(backend)
    node_a = make_server(backend, group=group, name="revoke-a")
    node_b = make_server(backend, group=group, name="revoke-b")
    tenant = make_tenant(node_a)
    public = node_a.cli("key", "create", tenant.tenant_id, "--kind", "public")
    secret = node_a.cli("key", "create", tenant.tenant_id, "--kind", "secret")
    visitor = Visitor()
    tab = await sockets.visitor(key_tenant(tenant, public["key"]), visitor, server=node_b)
    agent = await sockets.agent(node_b, api_key=secret["key"], label="agent on B")

    node_a.cli("key", "revoke", public["prefix"])
    public_revoked_at = time.monotonic()
    node_a.cli("key", "revoke", secret["prefix"])
    secret_revoked_at = time.monotonic()
    await expect_server_disconnect(
        tab, public_revoked_at, "visitor socket on node B, key revoked through node A's CLI"
    )
    await expect_server_disconnect(
        agent, secret_revoked_at, "agent socket on node B, key revoked through node A's CLI"
    )
    error = await sockets.refused(node_b, visitor_auth(key_tenant(tenant, public["key"]), visitor))
    assert error["code"] == "invalid_api_key", error
    error = await sockets.refused(node_b, {"apiKey": secret["key"]})
    assert error["code"] == "invalid_api_key", error


# --- 2. binary packets ------------------------------------------------------------------

BINARY_FRAMES = 800
BINARY_FRAME = b"\xab" * (60 * 1024)
MAX_RSS_GROWTH_KIB = 10 * 1024


async def test_binary_attachment_flood_is_refused_and_memory_stays_flat(
    server: WebchatProcess, make_tenant, raw: RawSockets
) -> None:
    tenant = make_tenant(server)
    visitor = Visitor()
    sock = await raw_visitor(raw, tenant, visitor, "binary flooder")
    before = rss_kib(server)

    header_sent = await sock.send_text('45999999999-["message",{"_placeholder":true,"num":0}]')
    assert header_sent, f"the socket closed before the attack began: {sock.close_reason}"
    sent = 0
    peak = before
    started = time.monotonic()
    for i in range(BINARY_FRAMES):
        if not await sock.send_bytes(BINARY_FRAME):
            break
        sent += 1
        if i % 100 == 99:
            peak = max(peak, rss_kib(server))
    elapsed = time.monotonic() - started
    peak = max(peak, rss_kib(server))
    closed = await sock.wait_closed(3.0)
    peak = max(peak, rss_kib(server))

    growth = peak - before
    assert server.running, "the server died under the binary flood"
    problems = []
    if growth >= MAX_RSS_GROWTH_KIB:
        problems.append(
            f"server RSS grew by {growth / 1024:.1f} MB (from {before / 1024:.1f} MB to "
            f"{peak / 1024:.1f} MB); the limit is {MAX_RSS_GROWTH_KIB / 1024:.0f} MB"
        )
    if not closed:
        packet = "received, a hostile client ignores it" if sock.got_close_packet() else "none"
        problems.append(
            f"the websocket was still open 3 s later (Engine.IO close packet: {packet}); "
            "binary events are refused, the protocol is JSON only"
        )
    assert not problems, (
        f"binary packet header announcing 999999999 attachments, then {sent} of "
        f"{BINARY_FRAMES} binary frames of 60 KB sent ({sent * 60 / 1024:.1f} MB in "
        f"{elapsed:.1f}s; RSS {before / 1024:.1f} MB before, {peak / 1024:.1f} MB peak): "
        + "; ".join(problems)
        + f". Frames received: {sock.summary()}"
    )


async def test_lone_binary_frame_closes_the_socket(
    server: WebchatProcess, make_tenant, raw: RawSockets
) -> None:
    tenant = make_tenant(server)
    sock = await raw_visitor(raw, tenant, Visitor(), "lone binary frame")
    assert await sock.send_bytes(b"\x04" + BINARY_FRAME[:1024]), sock.close_reason
    assert await sock.wait_closed(3.0), (
        "a binary frame outside any binary packet did not get the websocket closed within "
        f"3 s (Engine.IO close packet {'received' if sock.got_close_packet() else 'not sent'}"
        f", but the websocket stays open); frames received: {sock.summary()}"
    )


# --- 3. session lock-out ----------------------------------------------------------------

ATTACK_REQUESTS = 320


@pytest.fixture(scope="module")
def lockout_server(launcher, backend: str) -> Iterator[WebchatProcess]:
    """A server of its own: the per-IP refusal limit these floods trip must not leak into
    other tests (everything runs on 127.0.0.1)."""
    group = launcher.group(backend)
    node = launcher.start(group=group, name=f"lockout-{backend}")
    yield node
    launcher.release(node)
    launcher.release_group(group)


async def test_wrong_fingerprint_flood_never_locks_out_the_victim(
    lockout_server: WebchatProcess, make_tenant
) -> None:
    tenant = make_tenant(lockout_server)
    victim = Visitor()
    attacker = Visitor(session_id=victim.session_id)  # same sessionId, its own fingerprint
    chat = TenantChat(tenant, lockout_server)
    try:
        await chat.send(victim, "hello, I am the real visitor")
        body = {**attacker.identity(tenant), "text": "let me in"}
        counts: Counter[str] = Counter()
        for _ in range(ATTACK_REQUESTS // 20):
            batch = await asyncio.gather(
                *(chat.public.post("/webchat/message", json=body) for _ in range(20))
            )
            for response in batch:
                code = response.json().get("error", {}).get("code", "")
                counts[f"{response.status_code} {code}".strip()] += 1
        unexpected = {
            k: n for k, n in counts.items() if k not in ("403 session_mismatch", "429 rate_limited")
        }
        assert not unexpected, (
            f"{ATTACK_REQUESTS} sends with the victim's sessionId and a wrong fingerprint: "
            f"only 403 session_mismatch or 429 rate_limited are acceptable; got {dict(counts)}"
        )
        assert counts.get("429 rate_limited", 0) > 0, (
            f"{ATTACK_REQUESTS} refused attempts within seconds from one IP were never "
            f"rate-limited: {dict(counts)}"
        )

        response = await chat.public.post(
            "/webchat/message", json={**victim.identity(tenant), "text": "still me"}
        )
        assert response.status_code == 201, (
            f"after an attacker's {ATTACK_REQUESTS} wrong-fingerprint sends ({dict(counts)}), the "
            f"real visitor's own send answered {response.status_code} {response.text[:300]}; "
            f"refused attempts must never spend the victim's budget"
        )
    finally:
        await chat.aclose()


async def test_wrong_fingerprint_handshakes_never_lock_out_the_victim(
    lockout_server: WebchatProcess, make_tenant, raw: RawSockets, sockets: Sockets
) -> None:
    tenant = make_tenant(lockout_server)
    victim = Visitor()
    attacker = Visitor(session_id=victim.session_id)
    chat = TenantChat(tenant, lockout_server)
    try:
        await chat.send(victim, "hello, I am the real visitor")
    finally:
        await chat.aclose()
    codes: Counter[str] = Counter()
    for i in range(40):
        sock = raw.new(lockout_server, f"impostor {i}")
        try:
            await sock.connect(visitor_auth(tenant, attacker))
        except RawRefused as refused:
            codes[str(refused.code)] += 1
        else:
            raise AssertionError(
                f"handshake #{i} with the victim's sessionId and a wrong fingerprint was accepted"
            )
        finally:
            await sock.close()
    assert set(codes) <= {"session_mismatch", "rate_limited"}, (
        f"refused impostor handshakes must be session_mismatch or rate_limited: {dict(codes)}"
    )
    try:
        tab = await sockets.visitor(tenant, victim, server=lockout_server, label="victim")
    except Exception as exc:
        raise AssertionError(
            f"after 40 impostor handshakes ({dict(codes)}) the real visitor's handshake "
            f"failed: {exc}"
        ) from exc
    ack = await tab.call("message", {**victim.identity(tenant), "text": "still me"})
    contract.check_ack_ok(ack)


# --- 4. CORS on /socket.io/ -------------------------------------------------------------


async def test_socketio_never_allows_credentials_cross_origin(server: WebchatProcess) -> None:
    async with http_client(server, strict=False) as http:
        preflight = await http.options(
            "/socket.io/",
            params={"EIO": "4", "transport": "polling"},
            headers={
                "Origin": EVIL,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        polling = await http.get(
            "/socket.io/", params={"EIO": "4", "transport": "polling"}, headers={"Origin": EVIL}
        )
    for name, response in (("OPTIONS preflight", preflight), ("polling GET", polling)):
        value = response.headers.get("access-control-allow-credentials")
        assert value is None or value.strip().lower() != "true", (
            f"{name} /socket.io/ with Origin {EVIL} answered {response.status_code} with "
            f"Access-Control-Allow-Credentials: {value!r} (allow-origin: "
            f"{response.headers.get('access-control-allow-origin')!r}); no cookies are used, "
            f"browsers must never be told to send credentials"
        )


# --- 5. malformed socket payloads -------------------------------------------------------

DEPTH = 10_000


def malformed_payload(case: str, tenant: Tenant, visitor: Visitor) -> str:
    if case == "nested_10000_deep":
        return '["message",' + "[" * DEPTH + "]" * DEPTH + "]"
    if case == "number_5000_digits":
        identity = json.dumps(visitor.identity(tenant))[:-1]  # drop the closing brace
        return '["message",' + identity + ', "text": ' + "9" * 5000 + "}]"
    if case == "unknown_event":
        return '["no_such_event",{}]'
    raise ValueError(case)


@pytest.mark.parametrize("case", ["nested_10000_deep", "number_5000_digits", "unknown_event"])
async def test_malformed_socket_payload_gets_an_invalid_request_ack(
    case: str, server: WebchatProcess, make_tenant, raw: RawSockets
) -> None:
    tenant = make_tenant(server)
    visitor = Visitor()
    sizes = server.log_sizes()
    sock = await raw_visitor(raw, tenant, visitor, f"malformed {case}")
    payload = malformed_payload(case, tenant, visitor)
    assert await sock.emit_with_ack(1, payload), sock.close_reason
    try:
        ack = await sock.wait_ack(1, timeout=5.0)
    except AssertionError as exc:
        raise AssertionError(
            f"{case}: `421{payload[:60]}…` ({len(payload)} chars) got no ack: {exc}"
        ) from None
    assert isinstance(ack, dict) and ack.get("ok") is False, f"{case}: ack {ack!r}"
    error = contract.check_ack_error(ack, "invalid_request")
    assert error["code"] == "invalid_request", f"{case}: {ack!r}"
    # The socket survives a bad payload: a good message right after is acked ok.
    good = json.dumps(["message", {**visitor.identity(tenant), "text": "still here"}])
    assert await sock.emit_with_ack(2, good), f"{case}: socket closed: {sock.close_reason}"
    contract.check_ack_ok(await sock.wait_ack(2, timeout=5.0))
    await asyncio.sleep(0.2)  # let the server flush its log lines
    tracebacks = new_tracebacks(server, sizes)
    assert not tracebacks, f"{case}: the server logged a traceback:\n{tracebacks[-4000:]}"


async def test_a_client_cannot_send_the_connect_event_again(
    server: WebchatProcess, make_tenant, raw: RawSockets
) -> None:
    """`42["connect", environ, auth]` from a client would rerun the handshake with an
    environ of its choosing (forged address and Origin, another session): refused."""
    tenant = make_tenant(server)
    visitor, other = Visitor(), Visitor()
    sock = await raw_visitor(raw, tenant, visitor, "reconnect event")
    forged = json.dumps(
        [
            "connect",
            {"REMOTE_ADDR": "203.0.113.7", "HTTP_ORIGIN": "https://evil.example"},
            {"apiKey": tenant.public_key, **other.identity(tenant)},
        ]
    )
    assert await sock.emit_with_ack(5, forged), sock.close_reason
    contract.check_ack_error(await sock.wait_ack(5, timeout=5.0), "invalid_request")
    sessions = [t for t in sock.summary(50) if '"session"' in t]
    assert all(other.session_id not in t for t in sessions), sessions
    async with http_client(server, tenant.secret_key) as http:
        online = await http.get("/api/chat/messages", params={"sessionId": other.session_id})
    assert contract.expect_status(online, 200)["messages"] == []


# --- 6. inbox flooding, new sessions per IP ---------------------------------------------


async def test_sessions_without_messages_stay_out_of_the_inbox(
    server: WebchatProcess, make_tenant
) -> None:
    tenant = make_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        visitors = [Visitor() for _ in range(20)]
        for visitor in visitors:
            await chat.session(visitor)
        response = await chat.secret.get("/api/conversations", params={"limit": 100})
        listed = {c["sessionId"] for c in contract.expect_status(response, 200)["conversations"]}
        flooded = listed & {v.session_id for v in visitors}
        assert not flooded, (
            f"{len(flooded)} of 20 sessions that never sent a message are listed in "
            f"GET /api/conversations; the inbox must show only conversations with a message"
        )
        talker = visitors[0]
        await chat.send(talker, "now I have something to say")
        response = await chat.secret.get("/api/conversations", params={"limit": 100})
        listed = {c["sessionId"] for c in contract.expect_status(response, 200)["conversations"]}
        assert talker.session_id in listed, "a session that sent a message is not in the inbox"
        assert not listed & {v.session_id for v in visitors[1:]}, listed
    finally:
        await chat.aclose()


SESSION_LIMIT = 10


async def test_new_sessions_are_rate_limited_per_ip(
    make_server, make_tenant, sockets: Sockets
) -> None:
    server = make_server("embedded", env={"WEBCHAT_SESSION_RATE_LIMIT": f"{SESSION_LIMIT}/minute"})
    tenant = make_tenant(server)
    chat = TenantChat(tenant, server)
    try:
        visitors = [Visitor() for _ in range(15)]
        responses = [
            await chat.public.post("/webchat/session", json=v.identity(tenant)) for v in visitors
        ]
        statuses = [r.status_code for r in responses]
        assert statuses == [200] * SESSION_LIMIT + [429] * 5, (
            f"15 new sessions from one IP under WEBCHAT_SESSION_RATE_LIMIT={SESSION_LIMIT}/minute"
            f" answered {statuses}; expected {SESSION_LIMIT} x 200 then 429"
        )
        for response in responses[SESSION_LIMIT:]:
            contract.expect_error(response, 429, "rate_limited")
            assert 1 <= int(response.headers["Retry-After"]) <= 60, response.headers

        error = await sockets.refused(server, visitor_auth(tenant, Visitor()))
        assert error["code"] == "rate_limited", (
            f"a new-session handshake past the per-IP limit: {error!r}"
        )

        # Known sessions are refreshed, not refused: over HTTP, a message, and a socket.
        known = visitors[0]
        await chat.session(known)
        await chat.send(known, "I was here before the flood")
        tab = await sockets.visitor(tenant, known, server=server, label="known visitor")
        assert tab.connected
    finally:
        await chat.aclose()


# --- 7. headers and secret keys in browsers ---------------------------------------------


async def test_json_responses_carry_nosniff(server: WebchatProcess, tenant: Tenant) -> None:
    async with (
        http_client(server, tenant.secret_key) as secret,
        http_client(server) as anonymous,
    ):
        answers = {
            "GET /api/conversations": await secret.get("/api/conversations"),
            "POST /webchat/message (no key, 401)": await anonymous.post(
                "/webchat/message", json={**Visitor().identity(tenant), "text": "x"}
            ),
            "GET /healthz": await anonymous.get("/healthz"),
        }
    assert answers["POST /webchat/message (no key, 401)"].status_code == 401
    missing = {
        name: r.headers.get("x-content-type-options")
        for name, r in answers.items()
        if (r.headers.get("x-content-type-options") or "").lower() != "nosniff"
    }
    assert not missing, f"JSON answers without X-Content-Type-Options: nosniff: {missing}"


async def test_secret_key_from_a_browser_origin_works_and_is_logged(
    make_server: Any, make_tenant
) -> None:
    """docs/security.md: a secret key with a browser Origin is logged (once per tenant and
    process, naming the key's prefix), not refused: a backend may relay browser headers."""
    server = make_server("embedded", name="secret-origin")
    tenant = make_tenant(server, allowed_origins=(GOOD,))
    chat = TenantChat(tenant, server)
    try:
        sizes = server.log_sizes()
        for origin in (EVIL, GOOD, "null"):
            response = await chat.secret.get("/api/conversations", headers={"Origin": origin})
            contract.expect_status(response, 200)
        logged = server.logs_since(sizes)
        prefix = tenant.secret_key[:12]
        warnings = [line for line in logged.splitlines() if "secret key" in line]
        assert len(warnings) == 1 and prefix in warnings[0], logged
        assert tenant.secret_key not in logged, "the whole secret key was logged"
        # Without an Origin (a server), nothing is logged.
        sizes = server.log_sizes()
        contract.expect_status(await chat.secret.get("/api/conversations"), 200)
        assert "secret key" not in server.logs_since(sizes)
    finally:
        await chat.aclose()
