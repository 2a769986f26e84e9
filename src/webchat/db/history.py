"""Messages read back: keyset-paginated history, replays after an id, messages by id."""

from __future__ import annotations

from sqlalchemy import select

from webchat.db.attachments import load_attachments
from webchat.db.engine import Database
from webchat.db.models import Message
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
        page = await load_attachments(session, [message_record(row) for row in rows[:limit]])
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
        found = [message_record(row) for row in (await session.scalars(statement)).all()]
        return await load_attachments(session, found)


async def get_messages(db: Database, message_ids: list[str]) -> dict[str, MessageRecord]:
    """Messages by id, with their attachments (the event log renders them)."""
    if not message_ids:
        return {}
    async with db.session() as session:
        rows = await session.scalars(select(Message).where(Message.id.in_(message_ids)))
        found = await load_attachments(session, [message_record(row) for row in rows])
    return {m.message_id: m for m in found}
