"""`create_app` in process while its PostgreSQL or Redis is down: `503 unavailable`
naming nothing internal, nothing half-written, and recovery once it is back."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from support.services import PostgresCluster, RedisProcess
from unit.app_harness import app_client
from webchat.actions.tenants import DemoCredentials, demo_credentials
from webchat.app import create_app
from webchat.config import load_settings
from webchat.services import Services, create_services

JWT_SECRET = "o" * 64
# An outage must be answered quickly, not after the client gave up.
ANSWER_WITHIN_SECONDS = 15


@dataclass
class Deployment:
    client: httpx.AsyncClient
    services: Services
    demo: DemoCredentials
    postgres: PostgresCluster
    redis: RedisProcess

    def visitor(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.demo.public_key}"}

    def staff(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.demo.secret_key}"}


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresCluster]:
    """A cluster this module stops and starts; the session's shared one stays up."""
    cluster = PostgresCluster().start()
    yield cluster
    cluster.cleanup()


@pytest.fixture
def own_redis() -> Iterator[RedisProcess]:
    redis = RedisProcess().start()
    yield redis
    redis.cleanup()


@pytest.fixture
async def deployment(
    own_postgres: PostgresCluster,
    own_redis: RedisProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Deployment]:
    for name in list(os.environ):
        if name.startswith("WEBCHAT_"):
            monkeypatch.delenv(name)
    if not own_postgres.running:
        await asyncio.to_thread(own_postgres.start)
    settings = load_settings(
        data_dir=tmp_path / "data",
        jwt_secret=JWT_SECRET,
        database_url=own_postgres.create_database(),
        redis_url=own_redis.url,
    )
    services = create_services(settings)
    async with app_client(create_app(settings, services)) as client:
        yield Deployment(client, services, demo_credentials(JWT_SECRET), own_postgres, own_redis)
        # Whatever the test did, let shutdown talk to live services.
        if not own_postgres.running:
            await asyncio.to_thread(own_postgres.start)


def assert_unavailable(response: httpx.Response, dependency: str) -> None:
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert dependency in error["message"]
    for leak in ("asyncpg", "127.0.0.1", "Traceback", "SELECT", "Connection refused"):
        assert leak not in response.text


async def timed(request: asyncio.Future[httpx.Response] | object) -> httpx.Response:
    started = time.monotonic()
    response = await asyncio.wait_for(request, ANSWER_WITHIN_SECONDS + 5)  # type: ignore[arg-type]
    assert time.monotonic() - started < ANSWER_WITHIN_SECONDS
    return response


def message_body(session_id: str, text: str, client_id: str | None = None) -> dict[str, str]:
    body = {"sessionId": session_id, "fingerprint": "fp_outage01", "text": text}
    if client_id:
        body["clientMessageId"] = client_id
    return body


async def test_database_down_is_503_and_recovers(deployment: Deployment) -> None:
    client = deployment.client
    session_id = str(uuid.uuid4())
    first = await client.post(
        "/webchat/message", json=message_body(session_id, "before"), headers=deployment.visitor()
    )
    assert first.status_code == 201, first.text
    conversation_id = first.json()["session"]["conversationId"]

    await asyncio.to_thread(deployment.postgres.stop)
    client_id = str(uuid.uuid4())
    during = await timed(
        client.post(
            "/webchat/message",
            json=message_body(session_id, "during", client_id),
            headers=deployment.visitor(),
        )
    )
    assert_unavailable(during, "database")
    # A key must be looked up in the database: authenticated routes are 503, not 401.
    listed = await timed(client.get("/api/conversations", headers=deployment.staff()))
    assert_unavailable(listed, "database")
    ready = await timed(client.get("/readyz"))
    assert ready.status_code == 503
    assert ready.json()["error"]["code"] == "unavailable"
    assert ready.json()["failed"] == ["database"]
    assert (await client.get("/healthz")).status_code == 200

    await asyncio.to_thread(deployment.postgres.start)
    retried = await timed(
        client.post(
            "/webchat/message",
            json=message_body(session_id, "during", client_id),
            headers=deployment.visitor(),
        )
    )
    assert retried.status_code == 201, retried.text
    assert (await client.get("/readyz")).status_code == 200
    history = await client.get(
        "/api/chat/messages",
        params={"conversationId": conversation_id},
        headers=deployment.staff(),
    )
    assert history.status_code == 200, history.text
    # Nothing half-written: the failed send left no row; the retry stored it once.
    assert [m["text"] for m in history.json()["messages"]] == ["before", "during"]


async def test_redis_down_sessions_and_sends_go_on_bound_by_the_database(
    deployment: Deployment,
) -> None:
    """CONTRACT §14: with Redis away a send is still accepted, and the session's binding to
    its fingerprint is still enforced (from the database); after Redis returns empty, the
    bindings made meanwhile hold."""
    client = deployment.client
    known, fresh = str(uuid.uuid4()), str(uuid.uuid4())
    first = await client.post(
        "/webchat/message", json=message_body(known, "before"), headers=deployment.visitor()
    )
    assert first.status_code == 201, first.text
    conversation_id = first.json()["session"]["conversationId"]

    deployment.redis.kill()
    during = await timed(
        client.post(
            "/webchat/message", json=message_body(known, "during"), headers=deployment.visitor()
        )
    )
    assert during.status_code == 201, during.text
    assert during.json()["session"]["conversationId"] == conversation_id
    opened = await timed(
        client.post(
            "/webchat/session",
            json={"sessionId": fresh, "fingerprint": "fp_outage01"},
            headers=deployment.visitor(),
        )
    )
    assert opened.status_code == 200, opened.text
    for session_id in (known, fresh):
        stolen = await timed(
            client.post(
                "/webchat/message",
                json={**message_body(session_id, "not mine"), "fingerprint": "fp_thief0001"},
                headers=deployment.visitor(),
            )
        )
        assert stolen.status_code == 403, stolen.text
        assert stolen.json()["error"]["code"] == "session_mismatch"
    ready = await timed(client.get("/readyz"))
    assert ready.status_code == 503
    assert ready.json()["failed"] == ["redis"]
    assert ready.json()["status"] == "degraded"

    deployment.redis.start()  # empty: Redis keeps nothing on disk here
    stolen = await timed(
        client.post(
            "/webchat/session",
            json={"sessionId": fresh, "fingerprint": "fp_thief0001"},
            headers=deployment.visitor(),
        )
    )
    assert stolen.status_code == 403, stolen.text
    again = await timed(
        client.post(
            "/webchat/message", json=message_body(fresh, "after"), headers=deployment.visitor()
        )
    )
    assert again.status_code == 201, again.text
    assert (await client.get("/readyz")).status_code == 200
    history = await client.get(
        "/api/chat/messages",
        params={"conversationId": conversation_id},
        headers=deployment.staff(),
    )
    assert [m["text"] for m in history.json()["messages"]] == ["before", "during"]
