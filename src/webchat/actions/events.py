"""The one way out for events: to Socket.IO rooms (on every node) and the Redis stream."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from webchat.realtime.rooms import admin_room, conversation_room
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
    payload = message_json(message)
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


async def publish_conversation(services: Services, conversation: ConversationRecord) -> None:
    """`conversation_updated` after a close, a reopen, or a visitor reopening by writing."""
    tenant_id = conversation.tenant_id
    await send_event(
        services,
        "conversation_updated",
        conversation_json(conversation, None),
        [admin_room(tenant_id), conversation_room(tenant_id, conversation.conversation_id)],
    )
