"""Internal notes on conversations, and the tenant's canned responses."""

from __future__ import annotations

import dataclasses

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from webchat.clock import utcnow
from webchat.db.attachments import load_note_attachments
from webchat.db.conversation_list import like_pattern
from webchat.db.engine import Database
from webchat.db.event_log import NOTE_CREATED, NewEvent, record_events
from webchat.db.models import Attachment, CannedResponse, Note
from webchat.db.records import AttachmentRecord, CannedResponseRecord, NoteRecord
from webchat.ids import new_ulid


class ShortcutTaken(Exception):
    pass


class AttachmentTaken(Exception):
    pass


def _note(row: Note) -> NoteRecord:
    return NoteRecord(
        row.id, row.tenant_id, row.conversation_id, row.agent_id, row.text, row.created_at
    )


async def insert_note(
    db: Database,
    tenant_id: str,
    conversation_id: str,
    agent_id: str | None,
    text: str,
    attachments: tuple[AttachmentRecord, ...] = (),
) -> NoteRecord:
    """The note and its attachments' link, in one transaction; an attachment another
    message or note took meanwhile fails the lot (AttachmentTaken)."""
    row = Note(
        id=new_ulid(),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        agent_id=agent_id,
        text=text,
        created_at=utcnow(),
    )
    async with db.session() as session:
        session.add(row)
        await session.flush()
        if attachments:
            result = await session.execute(
                update(Attachment)
                .where(
                    Attachment.id.in_([a.attachment_id for a in attachments]),
                    Attachment.message_id.is_(None),
                    Attachment.note_id.is_(None),
                )
                .values(note_id=row.id)
            )
            if result.rowcount != len(attachments):  # type: ignore[attr-defined]
                raise AttachmentTaken()
        event = NewEvent(NOTE_CREATED, tenant_id, conversation_id, row.id)
        await record_events(session, [event], row.created_at)
    return dataclasses.replace(_note(row), attachments=attachments)


async def list_notes(db: Database, conversation_id: str, limit: int) -> list[NoteRecord]:
    async with db.session() as session:
        rows = await session.scalars(
            select(Note)
            .where(Note.conversation_id == conversation_id)
            .order_by(Note.id)
            .limit(limit)
        )
        return await load_note_attachments(session, [_note(row) for row in rows])


def _canned(row: CannedResponse) -> CannedResponseRecord:
    return CannedResponseRecord(row.id, row.tenant_id, row.shortcut, row.text)


async def list_canned_responses(
    db: Database, tenant_id: str, query: str | None, limit: int
) -> list[CannedResponseRecord]:
    statement = select(CannedResponse).where(CannedResponse.tenant_id == tenant_id)
    if query:
        pattern = like_pattern(query)
        statement = statement.where(
            or_(
                CannedResponse.shortcut.like(pattern, escape="\\"),
                func.lower(CannedResponse.text).like(pattern, escape="\\"),
            )
        )
    async with db.session() as session:
        rows = await session.scalars(statement.order_by(CannedResponse.shortcut).limit(limit))
        return [_canned(row) for row in rows]


async def insert_canned_response(
    db: Database, tenant_id: str, shortcut: str, text: str
) -> CannedResponseRecord:
    row = CannedResponse(
        id=new_ulid(), tenant_id=tenant_id, shortcut=shortcut, text=text, created_at=utcnow()
    )
    try:
        async with db.session() as session:
            session.add(row)
    except IntegrityError:
        raise ShortcutTaken(shortcut) from None
    return _canned(row)


async def update_canned_response(
    db: Database, tenant_id: str, canned_response_id: str, shortcut: str | None, text: str | None
) -> CannedResponseRecord | None:
    try:
        async with db.session() as session:
            row = await session.get(CannedResponse, canned_response_id)
            if row is None or row.tenant_id != tenant_id:
                return None
            if shortcut is not None:
                row.shortcut = shortcut
            if text is not None:
                row.text = text
            await session.flush()
            return _canned(row)
    except IntegrityError:
        raise ShortcutTaken(shortcut or "") from None


async def delete_canned_response(db: Database, tenant_id: str, canned_response_id: str) -> bool:
    async with db.session() as session:
        result = await session.execute(
            delete(CannedResponse).where(
                CannedResponse.id == canned_response_id, CannedResponse.tenant_id == tenant_id
            )
        )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_notes(db: Database, note_ids: list[str]) -> dict[str, NoteRecord]:
    """Notes by id, with their attachments (the event log renders them)."""
    if not note_ids:
        return {}
    async with db.session() as session:
        rows = await session.scalars(select(Note).where(Note.id.in_(note_ids)))
        found = await load_note_attachments(session, [_note(row) for row in rows])
    return {n.note_id: n for n in found}
