"""CONTRACT §4 operational routes: /healthz, /readyz, /metrics, /openapi.json and the
front-end pages; /readyz and `unavailable` when a dependency dies."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
import pytest

from support import contract
from support.clients import Visitor, http_client
from support.flows import TenantChat, check_front_end_route, create_tenant
from support.server import WebchatProcess
from support.services import PostgresCluster

SAMPLE_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?\s+(?P<value>[^\s]+)(\s+-?\d+)?$")


async def test_healthz_and_readyz(server: WebchatProcess) -> None:
    async with http_client(server) as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/readyz")).status_code == 200


async def test_metrics_is_prometheus_text(chat: TenantChat) -> None:
    await chat.send(Visitor(), "count me")
    response = await chat.anonymous.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain"), response.headers
    text = response.text
    assert "# TYPE " in text and "# HELP " in text, text[:500]
    samples = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert samples, "no samples"
    for line in samples:
        match = SAMPLE_RE.match(line)
        assert match, f"not a Prometheus sample line: {line!r}"
        float(match.group("value"))  # NaN, +Inf parse too


async def test_openapi_documents_the_http_contract(server: WebchatProcess) -> None:
    async with http_client(server) as http:
        response = await http.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert str(document.get("openapi", "")).startswith("3."), document.get("openapi")
    paths = document.get("paths", {})
    for path, method in (
        ("/webchat/session", "post"),
        ("/webchat/message", "post"),
        ("/api/chat/messages", "get"),
        ("/api/agent/login", "post"),
        ("/api/conversations", "get"),
        ("/api/conversations/{conversationId}/messages", "post"),
    ):
        assert path in paths and method in paths[path], f"{method.upper()} {path} undocumented"


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/widget.js", "javascript"), ("/console", "html")],
)
async def test_front_end_routes(server: WebchatProcess, path: str, kind: str) -> None:
    # (/demo needs the demo tenant, which these servers switch off: see test_serve.py.)
    await check_front_end_route(server, path, kind)


def poll_readyz(server: WebchatProcess, want: int, timeout: float) -> httpx.Response:
    """Poll /readyz until it answers ``want`` (the state change is what we await)."""
    deadline = time.monotonic() + timeout
    last: httpx.Response | None = None
    with httpx.Client(timeout=5) as http:
        while time.monotonic() < deadline:
            try:
                last = http.get(f"{server.url}/readyz")
                if last.status_code == want:
                    return last
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
    raise AssertionError(
        f"/readyz did not answer {want} within {timeout:.0f}s "
        f"(last: {last.status_code if last else None} {last.text[:300] if last else ''})"
    )


@pytest.mark.real_only
async def test_readyz_names_redis_when_it_dies(backend: str, make_server, make_chat) -> None:
    server = make_server(backend, name="redis-dies")
    tenant = create_tenant(server)
    chat = make_chat(tenant)
    await chat.send(Visitor(), "before")
    redis = server.group.redis
    redis.kill()
    response = await asyncio.to_thread(poll_readyz, server, 503, 15)
    assert "redis" in response.text.lower(), f"503 must name the failed dependency: {response.text}"
    async with http_client(server) as http:
        assert (await http.get("/healthz")).status_code == 200, "the process still runs"
    # A write while Redis is down: refused cleanly (the strict client rejects any 500).
    visitor = Visitor()
    response = await chat.public.post(
        "/webchat/message", json={**visitor.identity(tenant), "text": "during outage"}
    )
    assert response.status_code in (201, 503), response.text
    accepted = response.json()["message"]["messageId"] if response.status_code == 201 else None

    redis.start()
    await asyncio.to_thread(poll_readyz, server, 200, 30)
    after = await chat.send(Visitor(), "after recovery")
    assert after["message"]["text"] == "after recovery"
    if accepted:
        history = await chat.history(sessionId=visitor.session_id)
        assert [m["messageId"] for m in history["messages"]] == [accepted]


@pytest.mark.real_only
async def test_readyz_names_the_database_when_it_dies(backend: str, make_server, make_chat) -> None:
    cluster = PostgresCluster().start()
    try:
        group = make_server.group(backend)
        group.database_url = cluster.create_database()
        server = make_server(backend, group=group, name="db-dies")
        tenant = create_tenant(server)
        chat = make_chat(tenant)
        await chat.send(Visitor(), "before")
        cluster.kill()
        response = await asyncio.to_thread(poll_readyz, server, 503, 20)
        text = response.text.lower()
        assert any(word in text for word in ("database", "postgres", "db")), text
        visitor = Visitor()
        response = await chat.public.post(
            "/webchat/message", json={**visitor.identity(tenant), "text": "db down"}
        )
        if response.status_code != 201:
            contract.expect_error(response, 503, "unavailable")
        accepted = response.json()["message"]["messageId"] if response.status_code == 201 else None
        cluster.start()
        await asyncio.to_thread(poll_readyz, server, 200, 30)
        await chat.send(Visitor(), "db back")
        if accepted:
            # Acknowledged while the DB was down: §6 still wants it durable once it is back.
            deadline = time.monotonic() + 15
            while True:
                history = await chat.history(sessionId=visitor.session_id)
                if history["messages"] or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.3)
            assert [m["messageId"] for m in history["messages"]] == [accepted]
    finally:
        cluster.cleanup()
