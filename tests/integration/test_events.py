"""Every event type, in the style of Zulip's `verify_action`: apply the action through the
app, check the events it emitted (payload and rooms), then check that a fresh fetch of
the state says the same as the events did.

The app runs in process with a `RecordingEmitter` in place of the Socket.IO server's, so
what is checked is exactly what `actions/events.py` hands to the sockets' rooms."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from integration.test_app_errors import JWT_SECRET, clean_env  # noqa: F401 (fixture)
from unit.app_harness import app_client
from webchat.actions.conversations import do_wake_snoozed
from webchat.actions.events import RecordingEmitter, SentEvent
from webchat.actions.tenants import DEMO_TENANT_ID, demo_credentials
from webchat.app import create_app
from webchat.clock import utcnow
from webchat.config import load_settings
from webchat.db.conversation_updates import update_conversation
from webchat.realtime import handlers
from webchat.realtime.server import RealtimeServer
from webchat.realtime.state import SocketState
from webchat.services import Services, create_services
from webchat.store.presence import SocketRef, list_online

T = DEMO_TENANT_ID
ADMIN = f"admin:{T}"


@dataclass
class Desk:
    client: httpx.AsyncClient
    services: Services
    recorder: RecordingEmitter
    realtime: RealtimeServer
    agent_token: str
    agent_id: str
    public: dict[str, str]
    secret: dict[str, str]

    def agent(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.agent_token}"}

    def take(self) -> list[SentEvent]:
        sent, self.recorder.sent = self.recorder.sent, []
        return sent

    async def visitor_says(self, text: str, visitor: dict[str, str] | None = None) -> dict:
        visitor = visitor or new_visitor()
        response = await self.client.post(
            "/webchat/message", headers=self.public, json={**visitor, "text": text}
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    async def fetch(self, conversation_id: str) -> dict[str, Any]:
        response = await self.client.get(
            f"/api/conversations/{conversation_id}", headers=self.secret
        )
        assert response.status_code == 200, response.text
        conversation: dict[str, Any] = response.json()["conversation"]
        return conversation


def new_visitor() -> dict[str, str]:
    return {"sessionId": str(uuid.uuid4()), "fingerprint": "fp-" + uuid.uuid4().hex[:12]}


@pytest.fixture(params=["sqlite", "postgresql"])
async def desk(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clean_env: None,  # noqa: F811
) -> AsyncIterator[Desk]:
    database_url = ""
    if request.param == "postgresql":
        database_url = request.getfixturevalue("postgres_cluster").create_database()
    settings = load_settings(
        data_dir=tmp_path / "data", jwt_secret=JWT_SECRET, database_url=database_url
    )
    services = create_services(settings)
    app = create_app(settings, services)
    recorder = RecordingEmitter()
    services.emitter = recorder
    demo = demo_credentials(JWT_SECRET)
    async with app_client(app) as client:
        login = await client.post(
            "/api/agent/login",
            json={"email": demo.agent_email, "password": demo.agent_password},
        )
        assert login.status_code == 200, login.text
        realtime = _realtime_of(app)
        yield Desk(
            client,
            services,
            recorder,
            realtime,
            login.json()["token"],
            login.json()["agent"]["agentId"],
            {"Authorization": f"Bearer {demo.public_key}"},
            {"Authorization": f"Bearer {demo.secret_key}"},
        )


def _realtime_of(app: Any) -> RealtimeServer:
    """The Socket.IO server inside the middleware stack `create_app` returns."""
    while not hasattr(app, "realtime"):
        app = app.app
    realtime: RealtimeServer = app.realtime
    return realtime


def only(sent: list[SentEvent], event: str) -> SentEvent:
    matching = [e for e in sent if e.event == event]
    assert len(matching) == 1, f"expected one {event}, got {sent}"
    return matching[0]


def rooms_of(conversation_id: str) -> tuple[str, ...]:
    return (f"conversation:{T}:{conversation_id}", ADMIN)


async def test_message_created(desk: Desk) -> None:
    body = await desk.visitor_says("hello")
    message = body["message"]
    event = only(desk.take(), "meta_message_created")
    assert event.data == message and event.rooms == rooms_of(message["conversationId"])
    history = await desk.client.get(
        "/api/chat/messages", headers=desk.secret, params={"sessionId": message["sessionId"]}
    )
    assert history.json()["messages"] == [event.data]


async def test_status_change_tells_agents_all_and_the_visitor_only_the_status(
    desk: Desk,
) -> None:
    conversation_id = (await desk.visitor_says("hi"))["message"]["conversationId"]
    desk.take()
    response = await desk.client.patch(
        f"/api/conversations/{conversation_id}", headers=desk.agent(), json={"status": "pending"}
    )
    assert response.status_code == 200, response.text
    sent = desk.take()
    updated = only(sent, "conversation_updated")
    status = only(sent, "conversation_status")
    assert updated.rooms == (ADMIN,)
    assert status.rooms == (f"visitor:{T}:{conversation_id}",)
    assert status.data == {"conversationId": conversation_id, "status": "pending"}
    assert updated.data == response.json()["conversation"] == await desk.fetch(conversation_id)


async def test_assignment_and_labels_reach_agents_only(desk: Desk) -> None:
    conversation_id = (await desk.visitor_says("hi"))["message"]["conversationId"]
    desk.take()
    response = await desk.client.patch(
        f"/api/conversations/{conversation_id}",
        headers=desk.agent(),
        json={"assigneeId": desk.agent_id, "labels": ["billing", "vip", "billing"]},
    )
    assert response.status_code == 200, response.text
    sent = desk.take()
    assert [e.event for e in sent] == ["conversation_updated"]
    fetched = await desk.fetch(conversation_id)
    assert sent[0].data == fetched
    assert fetched["assigneeId"] == desk.agent_id and fetched["labels"] == ["billing", "vip"]


async def test_visitor_message_reopens_with_both_events(desk: Desk) -> None:
    visitor = new_visitor()
    conversation_id = (await desk.visitor_says("hi", visitor))["message"]["conversationId"]
    await desk.client.patch(
        f"/api/conversations/{conversation_id}", headers=desk.secret, json={"status": "closed"}
    )
    desk.take()
    await desk.visitor_says("one more thing", visitor)
    sent = desk.take()
    assert [e.event for e in sent] == [
        "meta_message_created",
        "conversation_updated",
        "conversation_status",
    ]
    assert sent[1].data == await desk.fetch(conversation_id)
    assert sent[1].data["status"] == sent[2].data["status"] == "open"


async def test_first_agent_reply_assigns(desk: Desk) -> None:
    conversation_id = (await desk.visitor_says("hi"))["message"]["conversationId"]
    desk.take()
    reply = await desk.client.post(
        f"/api/conversations/{conversation_id}/messages",
        headers=desk.agent(),
        json={"text": "On it"},
    )
    assert reply.status_code == 201, reply.text
    sent = desk.take()
    assert [e.event for e in sent] == ["meta_message_created", "conversation_updated"]
    assert sent[1].data == await desk.fetch(conversation_id)
    assert sent[1].data["assigneeId"] == desk.agent_id
    # A second reply assigns nothing new.
    await desk.client.post(
        f"/api/conversations/{conversation_id}/messages",
        headers=desk.agent(),
        json={"text": "Still on it"},
    )
    assert [e.event for e in desk.take()] == ["meta_message_created"]


async def test_auto_assignment_on_the_first_visitor_message(desk: Desk) -> None:
    settings = await desk.client.patch(
        "/api/settings", headers=desk.agent(), json={"assignment": "auto"}
    )
    assert settings.status_code == 200 and settings.json()["settings"]["assignment"] == "auto"
    await _console_opens(desk)
    desk.take()
    conversation_id = (await desk.visitor_says("anyone?"))["message"]["conversationId"]
    sent = desk.take()
    assert [e.event for e in sent] == ["meta_message_created", "conversation_updated"]
    assert sent[1].data == await desk.fetch(conversation_id)
    assert sent[1].data["assigneeId"] == desk.agent_id


async def test_note_created_goes_to_agents_only(desk: Desk) -> None:
    conversation_id = (await desk.visitor_says("hi"))["message"]["conversationId"]
    desk.take()
    response = await desk.client.post(
        f"/api/conversations/{conversation_id}/notes",
        headers=desk.agent(),
        json={"text": "VIP, be nice"},
    )
    assert response.status_code == 201, response.text
    event = only(desk.take(), "note_created")
    assert event.rooms == (ADMIN,)
    notes = await desk.client.get(
        f"/api/conversations/{conversation_id}/notes", headers=desk.secret
    )
    assert notes.json()["notes"] == [event.data] == [response.json()["note"]]


async def test_messages_read_by_visitor_and_agent(desk: Desk) -> None:
    visitor = new_visitor()
    first = (await desk.visitor_says("one", visitor))["message"]
    second = (await desk.visitor_says("two", visitor))["message"]
    conversation_id = first["conversationId"]
    assert (await desk.fetch(conversation_id))["unreadCount"] == 2
    desk.take()
    agent_read = await desk.client.post(
        f"/api/conversations/{conversation_id}/read",
        headers=desk.agent(),
        json={"upTo": first["messageId"]},
    )
    assert agent_read.status_code == 200, agent_read.text
    event = only(desk.take(), "messages_read")
    assert event.rooms == rooms_of(conversation_id)
    assert event.data["reader"] == "agent" and event.data["agentId"] == desk.agent_id
    fetched = await desk.fetch(conversation_id)
    assert fetched["agentLastReadId"] == event.data["upTo"] == first["messageId"]
    assert fetched["unreadCount"] == 1
    visitor_read = await desk.client.post(
        "/webchat/read", headers=desk.public, json={**visitor, "upTo": second["messageId"]}
    )
    assert visitor_read.status_code == 200, visitor_read.text
    event = only(desk.take(), "messages_read")
    assert event.data["reader"] == "visitor" and "agentId" not in event.data
    assert (await desk.fetch(conversation_id))["visitorLastReadId"] == second["messageId"]
    # Marks only move forward: reading an older message again emits nothing.
    again = await desk.client.post(
        "/webchat/read", headers=desk.public, json={**visitor, "upTo": first["messageId"]}
    )
    assert again.status_code == 200 and desk.take() == []
    assert (await desk.fetch(conversation_id))["visitorLastReadId"] == second["messageId"]


async def test_snooze_wakes_once(desk: Desk) -> None:
    conversation_id = (await desk.visitor_says("later"))["message"]["conversationId"]
    until = (utcnow() + timedelta(hours=1)).isoformat()
    response = await desk.client.patch(
        f"/api/conversations/{conversation_id}", headers=desk.agent(), json={"snoozedUntil": until}
    )
    assert response.json()["conversation"]["status"] == "snoozed"
    # Its time passes (written straight to the row, as if an hour went by).
    values = {"snoozed_until": utcnow() - timedelta(seconds=1)}
    assert await update_conversation(desk.services.db, T, conversation_id, values, None)
    desk.take()
    assert await do_wake_snoozed(desk.services) == 1
    assert await do_wake_snoozed(desk.services) == 0
    sent = desk.take()
    assert [e.event for e in sent] == ["conversation_updated", "conversation_status"]
    fetched = await desk.fetch(conversation_id)
    assert sent[0].data == fetched and fetched["status"] == "open"
    assert fetched["snoozedUntil"] is None


async def test_presence_events_agree_with_the_online_list(desk: Desk) -> None:
    visitor = new_visitor()
    conversation_id = (await desk.visitor_says("hi", visitor))["message"]["conversationId"]
    opened = await desk.client.post("/webchat/session", headers=desk.public, json=visitor)
    session = await _visitor_state(desk, visitor, opened.json())
    desk.take()
    await desk.realtime.presence.add(session)
    event = only(desk.take(), "user_online")
    assert event.rooms == (ADMIN,)
    online = await list_online(desk.services.store, T)
    assert [u["sessionId"] for u in online] == [visitor["sessionId"]]
    assert online[0] == event.data
    assert event.data["conversationId"] == conversation_id
    desk.realtime.sockets[session.presence.sid] = session  # type: ignore[union-attr]
    await desk.realtime._forget(session.presence.sid)  # type: ignore[union-attr]
    gone = only(desk.take(), "user_offline")
    assert gone.rooms == (ADMIN,) and gone.data["sessionId"] == visitor["sessionId"]
    assert await list_online(desk.services.store, T) == []


async def test_typing_goes_to_the_other_side(desk: Desk) -> None:
    visitor = new_visitor()
    await desk.visitor_says("hi", visitor)
    opened = await desk.client.post("/webchat/session", headers=desk.public, json=visitor)
    state = await _visitor_state(desk, visitor, opened.json())
    desk.take()
    ack = await handlers.on_typing(desk.realtime, "sid-v", state, {"isTyping": True})
    assert ack == {"ok": True}
    event = only(desk.take(), "typing")
    assert event.rooms == (ADMIN,) and event.data["sender"] == "visitor"
    agent = SocketState("agent", await _agent_principal(desk))
    conversation_id = opened.json()["conversationId"]
    await handlers.on_typing(
        desk.realtime, "sid-a", agent, {"conversationId": conversation_id, "isTyping": True}
    )
    event = only(desk.take(), "typing")
    assert event.rooms == (f"visitor:{T}:{conversation_id}",) and event.data["sender"] == "agent"


async def test_availability_follows_agent_consoles(desk: Desk) -> None:
    async def config() -> dict[str, Any]:
        response = await desk.client.get("/webchat/config", headers=desk.public)
        assert response.status_code == 200, response.text
        return dict(response.json()["availability"])

    assert (await config())["status"] == "away"
    state = await _console_opens(desk)
    event = only(desk.take(), "availability")
    assert event.rooms == (f"tenant:{T}",)
    assert (
        event.data == await config() == {"status": "online", "agentsOnline": 1, "nextOpenAt": None}
    )
    desk.realtime.sockets[state.presence.sid] = state  # type: ignore[union-attr]
    await desk.realtime._forget(state.presence.sid)  # type: ignore[union-attr]
    await asyncio.gather(*desk.realtime._tasks)
    event = only(desk.take(), "availability")
    assert event.data == await config() and event.data["status"] == "away"


async def _console_opens(desk: Desk) -> SocketState:
    """The demo agent's first console tab, as the socket server lists it."""
    state = SocketState("agent", await _agent_principal(desk))
    state.presence = SocketRef(T, desk.agent_id, "sid-console", "agent")
    await desk.realtime.presence.add(state)
    # Availability is announced in the background; wait for it.
    await asyncio.gather(*desk.realtime._tasks)
    return state


async def _agent_principal(desk: Desk) -> Any:
    from webchat.gateway.credentials import authenticate_agent_token

    return await authenticate_agent_token(desk.services.db, desk.services.tokens, desk.agent_token)


async def _visitor_state(desk: Desk, visitor: dict[str, str], opened: dict) -> SocketState:
    from webchat.realtime.handshake import authenticate_socket

    auth = {"apiKey": demo_credentials(JWT_SECRET).public_key, **visitor}
    state, _ = await authenticate_socket(desk.services, auth, None, "127.0.0.1")
    assert state.visitor is not None and state.visitor.conversation_id == opened["conversationId"]
    state.presence = SocketRef(T, visitor["sessionId"], "sid-" + visitor["sessionId"][:8])
    return state
