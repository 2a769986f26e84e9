"""Finding a conversation for staff, and changing it: status, snooze, assignee, labels."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webchat.actions.events import publish_conversation
from webchat.clock import utcnow
from webchat.db.conversation_list import get_conversation_state
from webchat.db.conversation_updates import update_conversation, wake_snoozed
from webchat.db.conversations import (
    find_conversation_of_session,
    find_conversation_of_user,
    get_conversation,
)
from webchat.db.records import ConversationRecord, MessageRecord
from webchat.db.tenants import get_agent
from webchat.desk_schemas import ConversationPatch, parse_instant
from webchat.errors import invalid_field, invalid_request, not_found
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
    if conversation_id and not ULID_PATTERN.fullmatch(conversation_id):
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


async def conversation_state(
    services: Services, tenant_id: str, conversation_id: str
) -> tuple[ConversationRecord, MessageRecord | None]:
    state = await get_conversation_state(services.db, tenant_id, conversation_id)
    if state is None:
        raise not_found("No such conversation in this tenant.")
    return state


async def do_update_conversation(
    services: Services, tenant_id: str, conversation_id: str, patch: ConversationPatch
) -> tuple[ConversationRecord, MessageRecord | None]:
    """CONTRACT §8's PATCH: any of status, assignee, labels, snooze; then one
    `conversation_updated` (and `conversation_status` to the visitor if it changed)."""
    if not ULID_PATTERN.fullmatch(conversation_id):
        raise not_found("No such conversation in this tenant.")
    given = patch.model_fields_set
    if not given:
        raise invalid_field("Send at least one of status, assigneeId, labels, snoozedUntil.")
    for name in ("status", "labels"):
        if name in given and getattr(patch, name) is None:
            raise invalid_field(f"{name}: must not be null")
    values: dict[str, Any] = {}
    status = patch.status
    if "snoozedUntil" in given and patch.snoozedUntil is not None and status is None:
        status = "snoozed"  # a snooze time alone means "snooze until then"
    if status is not None:
        values["status"] = status
        if status == "snoozed":
            if patch.snoozedUntil is None:
                raise invalid_field("snoozedUntil: needed (a future time) to snooze")
            until = parse_instant(patch.snoozedUntil)
            if until <= utcnow():
                raise invalid_field("snoozedUntil: must be in the future")
            values["snoozed_until"] = until
        else:
            if patch.snoozedUntil is not None:
                raise invalid_field("snoozedUntil: only with status snoozed")
            values["snoozed_until"] = None
    if "assigneeId" in given:
        if patch.assigneeId is not None:
            agent = await get_agent(services.db, patch.assigneeId)
            if agent is None or agent.tenant_id != tenant_id:
                raise invalid_field("assigneeId: not an agent of this tenant")
        values["assignee_id"] = patch.assigneeId
    before = await conversation_state(services, tenant_id, conversation_id)
    if not await update_conversation(services.db, tenant_id, conversation_id, values, patch.labels):
        raise not_found("No such conversation in this tenant.")
    after = await conversation_state(services, tenant_id, conversation_id)
    await publish_conversation(services, *after, status_changed=after[0].status != before[0].status)
    return after


async def do_wake_snoozed(services: Services) -> int:
    """Reopen conversations whose snooze is over; run by every node, each conversation
    woken (and announced) by exactly one."""
    woken = await wake_snoozed(services.db, utcnow())
    for tenant_id, conversation_id in woken:
        state = await get_conversation_state(services.db, tenant_id, conversation_id)
        if state is not None:
            await publish_conversation(services, *state, status_changed=True)
    return len(woken)
