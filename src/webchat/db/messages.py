"""Messages: idempotent inserts and keyset-paginated history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from webchat.db.engine import Database
from webchat.db.models import Conversation, Message
from webchat.db.records import MessageRecord


def message_record(row: Message) -> MessageRecord:
    return MessageRecord(
        message_id=row.id,
        tenant_id=row.tenant_id,
        conversation_id=row.conversation_id,
        session_id=row.session_id,
        user_id=row.user_id,
        sender=row.sender,
        sender_name=row.sender_name,
        text=row.text,
        client_message_id=row.client_message_id,
        created_at=row.created_at,
    )


@dataclass(frozen=True)
class StoredMessage:
    message: MessageRecord
    created: bool


async def insert_message(db: Database, message: MessageRecord, reopen: bool) -> StoredMessage:
    """Insert once: a second insert with the same (conversation, clientMessageId) returns
    the first message. The conversation's activity is updated in the same transaction."""
    dialect = postgresql if not db.is_sqlite else sqlite
    insert = (
        dialect.insert(Message)
        .values(
            id=message.message_id,
            tenant_id=message.tenant_id,
            conversation_id=message.conversation_id,
            session_id=message.session_id,
            user_id=message.user_id,
            sender=message.sender,
            sender_name=message.sender_name,
            text=message.text,
            client_message_id=message.client_message_id,
            created_at=message.created_at,
        )
        .on_conflict_do_nothing(index_elements=["conversation_id", "client_message_id"])
        .returning(Message.id)
    )
    async with db.session() as session:
        inserted = (await session.execute(insert)).scalar()
        if inserted is not None:
            await touch_conversation(
                session, message.conversation_id, message.message_id, message.created_at, reopen
            )
            return StoredMessage(message, created=True)
        existing = await session.scalar(
            select(Message).where(
                Message.conversation_id == message.conversation_id,
                Message.client_message_id == message.client_message_id,
            )
        )
        assert existing is not None
        return StoredMessage(message_record(existing), created=False)


async def touch_conversation(
    session: AsyncSession, conversation_id: str, message_id: str, at: datetime, reopen: bool
) -> None:
    values: dict[str, Any] = {"last_activity_at": at, "last_message_id": message_id}
    if reopen:
        values["status"] = "open"
    await session.execute(
        update(Conversation).where(Conversation.id == conversation_id).values(**values)
    )


async def list_messages(
    db: Database, conversation_id: str, before: str | None, limit: int
) -> tuple[list[MessageRecord], bool]:
    """The `limit` messages just before `before` (all, if None), oldest first, and
    whether older ones remain."""
    statement = select(Message).where(Message.conversation_id == conversation_id)
    if before:
        statement = statement.where(Message.id < before)
    statement = statement.order_by(Message.id.desc()).limit(limit + 1)
    async with db.session() as session:
        rows = (await session.scalars(statement)).all()
    page = [message_record(row) for row in rows[:limit]]
    page.reverse()
    return page, len(rows) > limit


async def list_messages_after(
    db: Database, conversation_id: str, after: str, limit: int
) -> list[MessageRecord]:
    statement = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id > after)
        .order_by(Message.id)
        .limit(limit)
    )
    async with db.session() as session:
        return [message_record(row) for row in (await session.scalars(statement)).all()]
