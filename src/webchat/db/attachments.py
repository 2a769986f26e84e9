"""Attachments' rows: uploaded into a conversation, then sent with one message or note."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from webchat.db.engine import Database
from webchat.db.models import Attachment, Message
from webchat.db.records import AttachmentRecord, MessageRecord, NoteRecord


def attachment_record(row: Attachment) -> AttachmentRecord:
    return AttachmentRecord(
        attachment_id=row.id,
        tenant_id=row.tenant_id,
        conversation_id=row.conversation_id,
        message_id=row.message_id,
        name=row.name,
        size=row.size,
        content_type=row.content_type,
        storage_key=row.storage_key,
        note_id=row.note_id,
    )


async def insert_attachment(
    db: Database, record: AttachmentRecord, uploaded_by: str, created_at: datetime
) -> None:
    async with db.session() as session:
        session.add(
            Attachment(
                id=record.attachment_id,
                tenant_id=record.tenant_id,
                conversation_id=record.conversation_id,
                message_id=None,
                uploaded_by=uploaded_by,
                name=record.name,
                size=record.size,
                content_type=record.content_type,
                storage_key=record.storage_key,
                created_at=created_at,
            )
        )


async def get_attachment(db: Database, attachment_id: str) -> AttachmentRecord | None:
    async with db.session() as session:
        row = await session.get(Attachment, attachment_id)
        return attachment_record(row) if row else None


async def find_attachments(
    db: Database, tenant_id: str, attachment_ids: list[str]
) -> tuple[list[AttachmentRecord], dict[str, str | None]]:
    """The tenant's attachments with these ids (in the order asked), and for those already
    sent, the clientMessageId of the message they went with (None for a note's)."""
    async with db.session() as session:
        rows = (
            await session.execute(
                select(Attachment, Message.client_message_id)
                .outerjoin(Message, Message.id == Attachment.message_id)
                .where(Attachment.id.in_(attachment_ids), Attachment.tenant_id == tenant_id)
            )
        ).all()
    by_id = {row[0].id: row for row in rows}
    found = [attachment_record(by_id[i][0]) for i in attachment_ids if i in by_id]
    sent_with = {
        i: by_id[i][1]
        for i in attachment_ids
        if i in by_id and (by_id[i][0].message_id or by_id[i][0].note_id)
    }
    return found, sent_with


async def _attachments_by(
    session: AsyncSession, owner: InstrumentedAttribute[str | None], ids: list[str]
) -> dict[str, list[AttachmentRecord]]:
    """The attachments of these messages (or notes), by owner id: one query for the lot."""
    found: dict[str, list[AttachmentRecord]] = defaultdict(list)
    if not ids:
        return found
    rows = await session.scalars(select(Attachment).where(owner.in_(ids)).order_by(Attachment.id))
    for row in rows:
        found[str(getattr(row, owner.key))].append(attachment_record(row))
    return found


async def load_attachments(
    session: AsyncSession, messages: list[MessageRecord]
) -> list[MessageRecord]:
    """The same messages with their attachments."""
    by_message = await _attachments_by(
        session, Attachment.message_id, [m.message_id for m in messages]
    )
    return [
        dataclasses.replace(m, attachments=tuple(by_message[m.message_id]))
        if m.message_id in by_message
        else m
        for m in messages
    ]


async def with_attachments(db: Database, messages: list[MessageRecord]) -> list[MessageRecord]:
    if not messages:
        return messages
    async with db.session() as session:
        return await load_attachments(session, messages)


async def load_note_attachments(session: AsyncSession, notes: list[NoteRecord]) -> list[NoteRecord]:
    """The same notes with their attachments."""
    by_note = await _attachments_by(session, Attachment.note_id, [n.note_id for n in notes])
    return [dataclasses.replace(n, attachments=tuple(by_note[n.note_id])) for n in notes]
