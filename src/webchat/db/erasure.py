"""A visitor's rows (CONTRACT §12): found, exported, erased in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update

from webchat.db.audit import Audit, record_audit
from webchat.db.conversations import conversation_record
from webchat.db.engine import Database
from webchat.db.models import (
    Attachment,
    Conversation,
    ConversationLabel,
    EmailOutbox,
    Event,
    Message,
    Note,
    Tenant,
)
from webchat.db.records import ConversationRecord
from webchat.db.sessions import forget_sessions


@dataclass(frozen=True)
class Erased:
    conversations: int
    messages: int
    attachments: int


async def visitor_conversations(
    db: Database, tenant_id: str, session_id: str | None, user_id: str | None
) -> list[ConversationRecord]:
    """Every conversation of the tenant written by this session, or by this user."""
    match = []
    if session_id is not None:
        match.append(Conversation.session_id == session_id)
    if user_id is not None:
        match.append(Conversation.user_id == user_id)
    if not match:
        return []
    async with db.session() as session:
        rows = await session.scalars(
            select(Conversation)
            .where(Conversation.tenant_id == tenant_id, or_(*match))
            .order_by(Conversation.created_at, Conversation.id)
        )
        return [conversation_record(row) for row in rows]


async def attachment_keys(db: Database, conversation_ids: list[str]) -> list[str]:
    async with db.session() as session:
        return list(
            await session.scalars(
                select(Attachment.storage_key).where(
                    Attachment.conversation_id.in_(conversation_ids)
                )
            )
        )


async def erase_conversations(
    db: Database,
    tenant_id: str,
    conversation_ids: list[str],
    session_ids: set[str],
    audit: Audit | None,
) -> Erased:
    """Delete the conversations and everything in them, and the sessions' bindings, and
    redact their events (kept, for delivery accounting, with only their ids), in one
    transaction."""
    forget_bindings = forget_sessions(tenant_id, session_ids)
    if not conversation_ids:
        async with db.session() as session:
            await session.execute(forget_bindings)
            await record_audit(session, audit)
        return Erased(0, 0, 0)
    ids = conversation_ids
    async with db.session() as session:
        owned = list(
            await session.scalars(
                select(Conversation.id).where(
                    Conversation.id.in_(ids), Conversation.tenant_id == tenant_id
                )
            )
        )
        messages = await session.scalar(
            select(func.count()).where(Message.conversation_id.in_(owned))
        )
        attachments = await session.scalar(
            select(func.count()).where(Attachment.conversation_id.in_(owned))
        )
        for table in (Attachment, Message, Note, ConversationLabel, EmailOutbox):
            await session.execute(delete(table).where(table.conversation_id.in_(owned)))
        for conversation_id in owned:
            await session.execute(
                update(Event)
                .where(Event.conversation_id == conversation_id)
                .values(data={"conversationId": conversation_id, "redacted": True})
            )
        await session.execute(delete(Conversation).where(Conversation.id.in_(owned)))
        await session.execute(forget_bindings)
        await record_audit(session, audit)
    return Erased(len(owned), int(messages or 0), int(attachments or 0))


async def retention_policies(db: Database) -> list[tuple[str, int]]:
    """(tenant, retentionDays) of every tenant that set one."""
    async with db.session() as session:
        rows = (await session.execute(select(Tenant.id, Tenant.settings))).all()
    policies = []
    for tenant_id, settings in rows:
        days = (settings or {}).get("retentionDays")
        if isinstance(days, int) and days > 0:
            policies.append((tenant_id, days))
    return policies


async def stale_conversations(
    db: Database, tenant_id: str, inactive_since: datetime, limit: int
) -> list[ConversationRecord]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Conversation)
            .where(
                Conversation.tenant_id == tenant_id,
                Conversation.last_activity_at < inactive_since,
            )
            .order_by(Conversation.last_activity_at)
            .limit(limit)
        )
        return [conversation_record(row) for row in rows]
