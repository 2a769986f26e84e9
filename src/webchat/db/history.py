"""Messages read back: keyset-paginated history, replays after an id, messages by id."""

from __future__ import annotations

from sqlalchemy import select

from webchat.db.attachments import load_attachments
from webchat.db.engine import Database
from webchat.db.models import Message
from webchat.db.records import MessageRecord, message_from_model


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
        page = await load_attachments(session, [message_from_model(row) for row in rows[:limit]])
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
        found = [message_from_model(row) for row in (await session.scalars(statement)).all()]
        return await load_attachments(session, found)


async def get_messages(db: Database, message_ids: list[str]) -> dict[str, MessageRecord]:
    """Messages by id, with their attachments (the event log renders them)."""
    if not message_ids:
        return {}
    async with db.session() as session:
        rows = await session.scalars(select(Message).where(Message.id.in_(message_ids)))
        found = await load_attachments(session, [message_from_model(row) for row in rows])
    return {m.message_id: m for m in found}


async def find_message_by_client_id(
    db: Database, conversation_id: str, client_message_id: str
) -> MessageRecord | None:
    """The message a retry with this `clientMessageId` would get back, if it is stored."""
    statement = select(Message).where(
        Message.conversation_id == conversation_id,
        Message.client_message_id == client_message_id,
    )
    async with db.session() as session:
        row = await session.scalar(statement)
        if row is None:
            return None
        return (await load_attachments(session, [message_from_model(row)]))[0]
