"""Finding a conversation for staff, and closing or reopening it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webchat.actions.events import publish_conversation
from webchat.db.conversations import (
    find_conversation_of_session,
    find_conversation_of_user,
    get_conversation,
    set_conversation_status,
)
from webchat.db.records import ConversationRecord
from webchat.errors import invalid_request, not_found
from webchat.ids import ULID_PATTERN

if TYPE_CHECKING:
    from webchat.services import Services


async def find_conversation(
    services: Services,
    tenant_id: str,
    *,
    conversation_id: str | None = None,
    session_id: str | None = None,
    user_id: str | None = None,
) -> ConversationRecord:
    """The tenant's conversation named by id, by logged-in user, or by session."""
    found: ConversationRecord | None
    if conversation_id and not ULID_PATTERN.match(conversation_id):
        found = None
    elif conversation_id:
        found = await get_conversation(services.db, tenant_id, conversation_id)
    elif user_id:
        found = await find_conversation_of_user(services.db, tenant_id, user_id)
    elif session_id:
        found = await find_conversation_of_session(services.db, tenant_id, session_id)
    else:
        raise invalid_request("Name the conversation: conversationId, sessionId or userId.")
    if found is None:
        raise not_found("No such conversation in this tenant.")
    return found


async def do_set_status(
    services: Services, tenant_id: str, conversation_id: str, status: str
) -> ConversationRecord:
    updated = await set_conversation_status(services.db, tenant_id, conversation_id, status)
    if updated is None:
        raise not_found("No such conversation in this tenant.")
    await publish_conversation(services, updated)
    return updated
