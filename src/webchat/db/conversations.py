"""Conversations: one per visitor per tenant, created race-free."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from webchat.clock import utcnow
from webchat.db.engine import Database
from webchat.db.messages import message_record
from webchat.db.models import Conversation, Message
from webchat.db.records import ConversationRecord, MessageRecord
from webchat.ids import new_ulid


def owner_key(session_id: str, user_id: str | None) -> str:
    return f"user:{user_id}" if user_id else f"session:{session_id}"


def visitor_search_text(user_id: str | None, user_info: dict[str, Any] | None) -> str:
    values = [user_id or "", *(str(v) for v in (user_info or {}).values())]
    return "\n".join(v.lower() for v in values if v)


def _like_pattern(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def conversation_record(row: Conversation) -> ConversationRecord:
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


async def set_conversation_status(
    db: Database, tenant_id: str, conversation_id: str, status: str
) -> ConversationRecord | None:
    async with db.session() as session:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.tenant_id == tenant_id)
            .values(status=status)
        )
        row = await session.get(Conversation, conversation_id)
        return conversation_record(row) if row and row.tenant_id == tenant_id else None


async def list_conversations(
    db: Database,
    tenant_id: str,
    status: str | None,
    limit: int,
    before: tuple[datetime, str] | None,
    query: str | None,
) -> tuple[list[tuple[ConversationRecord, MessageRecord]], bool]:
    """Newest activity first, keyset-paginated on (last_activity_at, id). A conversation
    shows once it has a message: opening sessions alone cannot flood the inbox."""
    statement = (
        select(Conversation, Message)
        .join(Message, Message.id == Conversation.last_message_id)
        .where(Conversation.tenant_id == tenant_id)
    )
    if status:
        statement = statement.where(Conversation.status == status)
    if before:
        at, conversation_id = before
        statement = statement.where(
            or_(
                Conversation.last_activity_at < at,
                and_(Conversation.last_activity_at == at, Conversation.id < conversation_id),
            )
        )
    if query:
        pattern = _like_pattern(query)
        # Its own alias: the outer query already joins Message for the last message.
        searched = aliased(Message)
        statement = statement.where(
            or_(
                Conversation.visitor_search.like(pattern, escape="\\"),
                exists().where(
                    searched.conversation_id == Conversation.id,
                    func.lower(searched.text).like(pattern, escape="\\"),
                ),
            )
        )
    statement = statement.order_by(
        Conversation.last_activity_at.desc(), Conversation.id.desc()
    ).limit(limit + 1)
    async with db.session() as session:
        rows = (await session.execute(statement)).all()
    items: list[tuple[ConversationRecord, MessageRecord]] = [
        (conversation_record(conv), message_record(msg)) for conv, msg in rows[:limit]
    ]
    return items, len(rows) > limit
