"""Read receipts (CONTRACT §8): how far the visitor, or the agents, have read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webchat.actions.events import publish_read
from webchat.clock import isoformat, utcnow
from webchat.db.conversation_updates import message_in_conversation, move_read_mark
from webchat.errors import not_found

if TYPE_CHECKING:
    from webchat.services import Services


async def do_mark_read(
    services: Services,
    tenant_id: str,
    conversation_id: str,
    up_to: str,
    *,
    agent_id: str | None,
    reader: str,
) -> bool:
    """Move the reader's mark forward to `up_to` (a message of this conversation) and emit
    `messages_read`; marking what was already read changes nothing and emits nothing."""
    if not await message_in_conversation(services.db, conversation_id, up_to):
        raise not_found("upTo: no such message in this conversation.")
    receipt: dict[str, Any] = {
        "conversationId": conversation_id,
        "reader": reader,
        "upTo": up_to,
        "readAt": isoformat(utcnow()),
    }
    if reader == "agent":
        receipt["agentId"] = agent_id
    if not await move_read_mark(services.db, tenant_id, conversation_id, reader, up_to, receipt):
        return False
    await publish_read(services, tenant_id, conversation_id, receipt)
    return True
