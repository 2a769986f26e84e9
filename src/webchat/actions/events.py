"""The one way out for events: to Socket.IO rooms (on every node) and the Redis stream.

Every event a client sees leaves through `send_event`, called by the publish functions
below after the change they announce is committed. Which rooms each event goes to is
decided here, in one place: agent-only data (notes, assignment, labels, read marks of
agents' lists) goes to `admin:<tenantId>` only; a visitor's sockets get messages, their
conversation's status and read marks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from webchat.realtime.rooms import admin_room, conversation_room, tenant_room, visitor_room
from webchat.schemas import conversation_json, message_json

if TYPE_CHECKING:
    from webchat.db.records import ConversationRecord, MessageRecord
    from webchat.services import Services

log = logging.getLogger(__name__)


class Emitter(Protocol):
    async def emit(
        self, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
    ) -> None: ...


class NullEmitter:
    async def emit(
        self, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
    ) -> None:
        return None


@dataclass(frozen=True)
class SentEvent:
    event: str
    data: Any
    rooms: tuple[str, ...]
    skip_sid: str | None = None


@dataclass
class RecordingEmitter:
    """Keeps what was sent, for tests that check each action's events (Zulip's
    `verify_action`)."""

    sent: list[SentEvent] = field(default_factory=list)

    async def emit(
        self, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
    ) -> None:
        rooms = (room,) if isinstance(room, str) else tuple(room)
        self.sent.append(SentEvent(event, data, rooms, skip_sid))


async def send_event(
    services: Services, event: str, data: Any, room: str | list[str], skip_sid: str | None = None
) -> None:
    try:
        await services.emitter.emit(event, data, room, skip_sid)
    except Exception:
        # The state change is committed; a lost live event is repaired by `sync`.
        log.exception("could not emit %s", event)


async def publish_message(services: Services, message: MessageRecord) -> None:
    """After commit: the seed's XADD, then `meta_message_created` to the conversation's
    room and the tenant's agents. A list of rooms reaches each socket once."""
    payload = message_json(message, services.links)
    services.streams.append(message.tenant_id, orjson.dumps(payload).decode())
    await send_event(
        services,
        "meta_message_created",
        payload,
        [
            conversation_room(message.tenant_id, message.conversation_id),
            admin_room(message.tenant_id),
        ],
    )


async def publish_conversation(
    services: Services,
    conversation: ConversationRecord,
    last_message: MessageRecord | None,
    *,
    status_changed: bool,
) -> None:
    """`conversation_updated` (the whole conversation) to the tenant's agents; the
    visitor's own sockets get only `conversation_status`, and only when it changed."""
    tenant_id = conversation.tenant_id
    await send_event(
        services,
        "conversation_updated",
        conversation_json(conversation, last_message, services.links),
        admin_room(tenant_id),
    )
    if status_changed:
        await send_event(
            services,
            "conversation_status",
            {"conversationId": conversation.conversation_id, "status": conversation.status},
            visitor_room(tenant_id, conversation.conversation_id),
        )


async def publish_note(services: Services, tenant_id: str, note: dict[str, Any]) -> None:
    """Notes are internal: agents only, never the conversation's room."""
    await send_event(services, "note_created", note, admin_room(tenant_id))


async def publish_read(
    services: Services, tenant_id: str, conversation_id: str, receipt: dict[str, Any]
) -> None:
    await send_event(
        services,
        "messages_read",
        receipt,
        [conversation_room(tenant_id, conversation_id), admin_room(tenant_id)],
    )


async def publish_presence(
    services: Services, tenant_id: str, event: str, entry: dict[str, Any]
) -> None:
    """`user_online` / `user_offline` / `agent_online` / `agent_offline`, after Redis
    decided it atomically (first tab opened, last tab closed, node reaped)."""
    await send_event(services, event, entry, admin_room(tenant_id))


async def publish_typing(
    services: Services, tenant_id: str, conversation_id: str, typing: dict[str, Any]
) -> None:
    """To the other side only: a visitor's typing to the agents, an agent's to the
    visitor's sockets; never echoed to the typist's side."""
    room = (
        admin_room(tenant_id)
        if typing["sender"] == "visitor"
        else visitor_room(tenant_id, conversation_id)
    )
    await send_event(services, "typing", typing, room)


async def publish_availability(
    services: Services, tenant_id: str, availability: dict[str, Any]
) -> None:
    """To every socket of the tenant (the widget shows it; the console may)."""
    await send_event(services, "availability", availability, tenant_room(tenant_id))


async def send_to_socket(services: Services, sid: str, event: str, data: Any) -> None:
    """An answer for one socket (its session, a presence list, a replayed message)."""
    await send_event(services, event, data, sid)
