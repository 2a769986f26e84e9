"""A visitor's data (CONTRACT §12): everything about them in one document, or erased
everywhere it lives.

Erasure goes from what outlives the database rows to the rows themselves: Redis (the
sessions, presence, stream entries), then the attachments' files, then one database
transaction for the sessions' bindings, the conversations, messages, notes, attachments,
labels, e-mail outbox rows and the events' content (redacted, the events kept for
delivery accounting), with its audit entry. Each step is idempotent: an erasure
interrupted anywhere leaves only what the next run finds and removes. Sockets of the
visitor close within seconds on every node (the audit entry is what the nodes watch,
`realtime/revocation.py`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from webchat.actions.admin import audit_of
from webchat.clock import isoformat, utcnow
from webchat.db.audit import Audit, insert_audit
from webchat.db.conversation_list import get_conversation_state
from webchat.db.erasure import (
    Erased,
    attachment_keys,
    erase_conversations,
    retention_policies,
    stale_conversations,
    visitor_conversations,
)
from webchat.db.history import list_messages
from webchat.db.notes import list_notes
from webchat.db.records import ConversationRecord
from webchat.desk_schemas import note_json
from webchat.errors import invalid_field
from webchat.schemas import conversation_json, message_json
from webchat.store.erasure import erase_visitor_traces
from webchat.store.locks import acquire_lock, release_lock

if TYPE_CHECKING:
    from webchat.gateway.credentials import Principal
    from webchat.services import Services

EXPORT_MESSAGES = 100_000
EXPORT_NOTES = 10_000


def visitor_target(session_id: str | None, user_id: str | None) -> str:
    if (session_id is None) == (user_id is None):
        raise invalid_field("sessionId: give exactly one of sessionId or userId")
    return f"session:{session_id}" if session_id is not None else f"user:{user_id}"


async def _erase(
    services: Services,
    tenant_id: str,
    found: list[ConversationRecord],
    sessions: set[str],
    user_id: str | None,
    audit: Audit | None,
) -> Erased:
    """Redis, then the files, then the rows: each step idempotent (see the module)."""
    conversation_ids = [c.conversation_id for c in found]
    await erase_visitor_traces(services.store, tenant_id, sessions, user_id, set(conversation_ids))
    for key in await attachment_keys(services.db, conversation_ids):
        await services.storage.delete(key)
    return await erase_conversations(services.db, tenant_id, conversation_ids, sessions, audit)


async def do_erase_visitor(
    services: Services, principal: Principal, session_id: str | None, user_id: str | None
) -> Erased:
    target = visitor_target(session_id, user_id)
    tenant_id = principal.tenant_id
    found = await visitor_conversations(services.db, tenant_id, session_id, user_id)
    sessions = {c.session_id for c in found} | ({session_id} if session_id else set())
    audit = audit_of(principal, "visitor.erased", target)
    return await _erase(services, tenant_id, found, sessions, user_id, audit)


RETENTION_BATCH = 100
RETENTION_LOCK_SECONDS = 600


async def do_apply_retention(services: Services) -> int:
    """Erase the conversations inactive for longer than their tenant's `retentionDays`, in
    batches of 100 (each its own short transaction); one node at a time (a Redis lock).
    Returns how many conversations went."""
    if not await acquire_lock(services.store, "retention", RETENTION_LOCK_SECONDS):
        return 0
    removed = 0
    try:
        for tenant_id, days in await retention_policies(services.db):
            cutoff = utcnow() - timedelta(days=days)
            while True:
                found = await stale_conversations(services.db, tenant_id, cutoff, RETENTION_BATCH)
                if not found:
                    break
                audit = Audit(
                    tenant_id,
                    "cli",
                    "retention",
                    "conversations.expired",
                    f"{len(found)} conversations",
                )
                erased = await _erase(
                    services, tenant_id, found, {c.session_id for c in found}, None, audit
                )
                removed += erased.conversations
                if len(found) < RETENTION_BATCH:
                    break
    finally:
        await release_lock(services.store, "retention")
    services.metrics.retention_erased.inc(removed)
    return removed


async def do_export_visitor(
    services: Services, principal: Principal, session_id: str | None, user_id: str | None
) -> dict[str, Any]:
    target = visitor_target(session_id, user_id)
    tenant_id = principal.tenant_id
    found = await visitor_conversations(services.db, tenant_id, session_id, user_id)
    conversations = []
    for conversation in found:
        state = await get_conversation_state(services.db, tenant_id, conversation.conversation_id)
        if state is None:
            continue
        messages, _ = await list_messages(
            services.db, conversation.conversation_id, None, EXPORT_MESSAGES
        )
        notes = await list_notes(services.db, conversation.conversation_id, EXPORT_NOTES)
        conversations.append(
            {
                "conversation": conversation_json(*state, services.links),
                "contact": {
                    "email": state[0].contact_email,
                    "name": state[0].contact_name,
                    "emailOptOut": state[0].email_opt_out,
                    "lastPageUrl": state[0].last_page_url,
                },
                "messages": [message_json(m, services.links) for m in messages],
                "notes": [note_json(n, services.links) for n in notes],
            }
        )
    await insert_audit(services.db, audit_of(principal, "visitor.exported", target))
    return {
        "tenantId": tenant_id,
        "visitor": {"sessionId": session_id, "userId": user_id},
        "exportedAt": isoformat(utcnow()),
        "conversations": conversations,
    }
