"""Conversations: one per visitor per tenant, created race-free."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from webchat.clock import utcnow
from webchat.db.engine import Database
from webchat.db.event_log import CONTACT_UPDATED, conversation_event, record_events
from webchat.db.models import Conversation
from webchat.db.records import ConversationRecord
from webchat.ids import new_ulid


def owner_key(session_id: str, user_id: str | None) -> str:
    return f"user:{user_id}" if user_id else f"session:{session_id}"


def visitor_search_text(user_id: str | None, user_info: dict[str, Any] | None) -> str:
    values = [user_id or "", *(str(v) for v in (user_info or {}).values())]
    return "\n".join(v.lower() for v in values if v)


def conversation_record(row: Conversation, unread_count: int = 0) -> ConversationRecord:
    return ConversationRecord(
        conversation_id=row.id,
        tenant_id=row.tenant_id,
        owner_key=row.owner_key,
        session_id=row.session_id,
        user_id=row.user_id,
        user_info=dict(row.user_info or {}),
        status=row.status,
        created_at=row.created_at,
        last_activity_at=row.last_activity_at,
        last_message_id=row.last_message_id,
        assignee_id=row.assignee_id,
        labels=list(row.labels or []),
        snoozed_until=row.snoozed_until,
        visitor_last_read_id=row.visitor_last_read_id,
        agent_last_read_id=row.agent_last_read_id,
        unread_count=unread_count,
        contact_email=row.contact_email,
        contact_name=row.contact_name,
        email_opt_out=bool(row.email_opt_out),
        last_page_url=row.last_page_url,
    )


async def get_or_create_conversation(
    db: Database,
    tenant_id: str,
    session_id: str,
    user_id: str | None,
    user_info: dict[str, Any] | None,
) -> ConversationRecord:
    """The visitor's conversation, inserted if missing. Concurrent callers meet on the
    unique (tenant_id, owner_key) constraint instead of a read-then-insert race."""
    key = owner_key(session_id, user_id)
    now = utcnow()
    dialect = postgresql if not db.is_sqlite else sqlite
    insert = (
        dialect.insert(Conversation)
        .values(
            id=new_ulid(),
            tenant_id=tenant_id,
            owner_key=key,
            session_id=session_id,
            user_id=user_id,
            user_info=user_info or {},
            visitor_search=visitor_search_text(user_id, user_info),
            status="open",
            created_at=now,
            last_activity_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "owner_key"])
    )
    async with db.session() as session:
        await session.execute(insert)
        row = await session.scalar(
            select(Conversation).where(
                Conversation.tenant_id == tenant_id, Conversation.owner_key == key
            )
        )
        assert row is not None
        changes: dict[str, Any] = {}
        if row.session_id != session_id:
            changes["session_id"] = session_id
        if user_info and row.user_info != user_info:
            changes["user_info"] = user_info
            changes["visitor_search"] = visitor_search_text(user_id, user_info)
        if changes:
            await session.execute(
                update(Conversation).where(Conversation.id == row.id).values(**changes)
            )
            if "user_info" in changes and row.last_message_id is not None:
                event = conversation_event(CONTACT_UPDATED, tenant_id, row.id)
                await record_events(session, [event], now)
            for name, value in changes.items():
                setattr(row, name, value)
        return conversation_record(row)


async def get_conversation(
    db: Database, tenant_id: str, conversation_id: str
) -> ConversationRecord | None:
    async with db.session() as session:
        row = await session.get(Conversation, conversation_id)
        if row is None or row.tenant_id != tenant_id:
            return None
        return conversation_record(row)


async def find_conversation_of_user(
    db: Database, tenant_id: str, user_id: str
) -> ConversationRecord | None:
    return await _find_by_owner(db, tenant_id, owner_key("", user_id))


async def find_conversation_of_session(
    db: Database, tenant_id: str, session_id: str
) -> ConversationRecord | None:
    """The anonymous conversation of this session, else the latest one it wrote in."""
    found = await _find_by_owner(db, tenant_id, owner_key(session_id, None))
    if found:
        return found
    async with db.session() as session:
        row = await session.scalar(
            select(Conversation)
            .where(Conversation.tenant_id == tenant_id, Conversation.session_id == session_id)
            .order_by(Conversation.last_activity_at.desc())
            .limit(1)
        )
        return conversation_record(row) if row else None


async def _find_by_owner(db: Database, tenant_id: str, key: str) -> ConversationRecord | None:
    async with db.session() as session:
        row = await session.scalar(
            select(Conversation).where(
                Conversation.tenant_id == tenant_id, Conversation.owner_key == key
            )
        )
        return conversation_record(row) if row else None
