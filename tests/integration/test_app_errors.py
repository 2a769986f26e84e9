"""`create_app` in process (httpx over ASGI): error objects that are awkward to reach
black-box, and staff routes whose data the test arranges through `db/` directly."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from unit.app_harness import app_client
from webchat.actions.tenants import DemoCredentials, demo_credentials
from webchat.app import create_app
from webchat.config import load_settings
from webchat.db.conversations import get_or_create_conversation
from webchat.db.messages import insert_message
from webchat.db.records import MessageRecord
from webchat.ids import new_ulid
from webchat.services import Services, create_services

JWT_SECRET = "a" * 64
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass
class InProcessApp:
    client: httpx.AsyncClient
    services: Services
    demo: DemoCredentials

    def staff(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.demo.secret_key}"}

    def visitor(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.demo.public_key}"}


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("WEBCHAT_"):
            monkeypatch.delenv(name)
    yield


@pytest.fixture(params=["sqlite", "postgresql"])
async def app(
    request: pytest.FixtureRequest, tmp_path: Path, clean_env: None
) -> AsyncIterator[InProcessApp]:
    database_url = ""
    if request.param == "postgresql":
        database_url = request.getfixturevalue("postgres_cluster").create_database()
    settings = load_settings(
        data_dir=tmp_path / "data", jwt_secret=JWT_SECRET, database_url=database_url
    )
    services = create_services(settings)
    async with app_client(create_app(settings, services)) as client:
        yield InProcessApp(client, services, demo_credentials(JWT_SECRET))


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "Traceback" not in response.text


async def test_body_over_the_limit_without_content_length_is_413(app: InProcessApp) -> None:
    limit = app.services.settings.max_body_bytes

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(limit // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    response = await app.client.post(
        "/webchat/message",
        content=chunks(),
        headers={**app.visitor(), "Content-Type": "application/json"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error(response, 413, "payload_too_large")


async def test_declared_oversize_body_is_413(app: InProcessApp) -> None:
    response = await app.client.post(
        "/webchat/message",
        content=b"{" + b" " * (app.services.settings.max_body_bytes + 1) + b"}",
        headers={**app.visitor(), "Content-Type": "application/json"},
    )
    assert_error(response, 413, "payload_too_large")


async def test_malformed_json_is_422_invalid_request(app: InProcessApp) -> None:
    response = await app.client.post(
        "/webchat/session",
        content=b'{"sessionId": ',
        headers={**app.visitor(), "Content-Type": "application/json"},
    )
    assert_error(response, 422, "invalid_request")


async def test_strict_types_are_enforced_on_http_bodies(app: InProcessApp) -> None:
    response = await app.client.post(
        "/webchat/session",
        json={"sessionId": str(uuid.uuid4()), "fingerprint": 12345678},
        headers=app.visitor(),
    )
    assert_error(response, 422, "invalid_request")
    assert "fingerprint" in response.json()["error"]["message"]


async def test_conversation_search_answers(app: InProcessApp) -> None:
    """`GET /api/conversations?q=…` builds an EXISTS over `messages` inside a query that
    already selects `messages` (the outer join for the last message); SQLAlchemy
    auto-correlates it to nothing and raises, so any search is a 500."""
    sent = await app.client.post(
        "/webchat/message",
        json={"sessionId": str(uuid.uuid4()), "fingerprint": "fp_search1", "text": "refund please"},
        headers=app.visitor(),
    )
    assert sent.status_code == 201, sent.text
    response = await app.client.get(
        "/api/conversations", params={"q": "refund"}, headers=app.staff()
    )
    assert response.status_code == 200, response.text
    found = response.json()["conversations"]
    assert [c["lastMessage"]["text"] for c in found] == ["refund please"]


async def test_conversation_pages_lose_nothing_within_one_millisecond(app: InProcessApp) -> None:
    """`nextBefore` keeps the activity time to the millisecond, but the database keeps
    microseconds: conversations active later in the same millisecond as the last one of a
    page compare greater than the truncated cursor and are skipped by the next page."""
    db = app.services.db
    made = []
    for i in range(3):
        conversation = await get_or_create_conversation(db, "demo", str(uuid.uuid4()), None, None)
        at = T0 + timedelta(microseconds=300 * (i + 1))  # 12:00:00.000300, .000600, .000900
        await insert_message(
            db,
            MessageRecord(
                new_ulid(),
                "demo",
                conversation.conversation_id,
                conversation.session_id,
                None,
                "visitor",
                None,
                f"m{i}",
                None,
                at,
            ),
            reopen=True,
        )
        made.append(conversation.conversation_id)
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 1}
    for _ in range(6):
        response = await app.client.get("/api/conversations", params=params, headers=app.staff())
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [c["conversationId"] for c in page["conversations"]]
        if not page["nextBefore"]:
            break
        params = {"limit": 1, "before": page["nextBefore"]}
    assert seen == list(reversed(made))


async def test_bad_conversation_cursor_is_400(app: InProcessApp) -> None:
    response = await app.client.get(
        "/api/conversations", params={"before": "yesterday"}, headers=app.staff()
    )
    assert_error(response, 400, "invalid_request")


async def test_public_key_on_a_staff_route_is_403(app: InProcessApp) -> None:
    assert_error(
        await app.client.get("/api/conversations", headers=app.visitor()), 403, "forbidden"
    )
    assert_error(await app.client.get("/api/conversations"), 401, "invalid_api_key")
