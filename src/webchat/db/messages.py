"""Messages: idempotent inserts, group-committed (reads are in `history.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, or_, select, text, tuple_, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from webchat.clock import utcnow
from webchat.db import batch_write
from webchat.db.engine import Database
from webchat.db.event_log import (
    CONVERSATION_CREATED,
    CONVERSATION_UPDATED,
    MESSAGE_CREATED,
    RECORD_EVENTS,
    NewEvent,
    conversation_event,
    event_columns,
    record_events,
)
from webchat.db.models import PENDING_MISSED_REPLY, Attachment, Conversation, EmailOutbox, Message
from webchat.db.records import (
    MessageRecord,
    message_columns,
    message_from_model,
    message_from_row,
    message_row,
)
from webchat.ids import new_ulid


@dataclass(frozen=True)
class StoredMessage:
    message: MessageRecord
    created: bool
    # This message reopened its pending, snoozed or closed conversation.
    reopened: bool = False
    # This message is the conversation's first.
    first: bool = False


@dataclass
class _Touched:
    reopened: set[str]
    # Ids of messages that are their conversation's first visitor message.
    began: set[str]
    # Conversations that had no message before this batch.
    created: set[str] = field(default_factory=set)


def _events(batch: list[PendingMessage], inserted: set[str], touched: _Touched) -> list[NewEvent]:
    """What the batch records in the event log: each new message, and the conversations
    it created (their first message) or reopened."""
    events: list[NewEvent] = []
    for p in batch:
        m = p.message
        if m.message_id in inserted:
            events.append(NewEvent(MESSAGE_CREATED, m.tenant_id, m.conversation_id, m.message_id))
    tenants = {p.message.conversation_id: p.message.tenant_id for p in batch}
    for conversation_id in sorted(touched.created):
        events.append(
            conversation_event(CONVERSATION_CREATED, tenants[conversation_id], conversation_id)
        )
    for conversation_id in sorted(touched.reopened - touched.created):
        events.append(
            conversation_event(CONVERSATION_UPDATED, tenants[conversation_id], conversation_id)
        )
    return events


def _first_visitor_messages(batch: list[PendingMessage], inserted: set[str]) -> dict[str, str]:
    """The earliest new visitor message of each conversation in the batch (id order)."""
    first: dict[str, str] = {}
    for p in batch:
        if p.message.message_id in inserted and p.message.sender == "visitor":
            first.setdefault(p.message.conversation_id, p.message.message_id)
    return first


@dataclass(frozen=True)
class PendingMessage:
    message: MessageRecord
    reopen: bool
    # When set, a missed-reply e-mail is queued with the message, due then.
    email_due: datetime | None = None
    # Uploaded attachments this message sends (checked by the caller).
    attachment_ids: tuple[str, ...] = ()


def _attachment_links(batch: list[PendingMessage], inserted: set[str]) -> list[tuple[str, str]]:
    """(attachment, message) pairs to link, for the batch's new messages."""
    return [
        (attachment_id, p.message.message_id)
        for p in batch
        if p.message.message_id in inserted
        for attachment_id in p.attachment_ids
    ]


def _missed_replies(batch: list[PendingMessage], inserted: set[str]) -> list[PendingMessage]:
    return [p for p in batch if p.email_due is not None and p.message.message_id in inserted]


async def insert_messages(
    db: Database, batch: list[PendingMessage], lane: int = 0
) -> list[StoredMessage]:
    """Insert a batch in one transaction, each at most once: a message whose
    (conversation, clientMessageId) is already stored returns the stored one instead.
    Conversations' activity moves to their newest new message in the same transaction."""
    if not db.is_sqlite:
        return await _insert_messages_postgres(db, batch, lane)
    insert = (
        sqlite.insert(Message)
        .values([message_row(pending.message) for pending in batch])
        .on_conflict_do_nothing(index_elements=["conversation_id", "client_message_id"])
        .returning(Message.id)
    )
    async with db.session() as session:
        inserted = set((await session.execute(insert)).scalars())
        duplicates = [p.message for p in batch if p.message.message_id not in inserted]
        existing = await _find_by_client_id(session, duplicates)
        touched = await _touch_conversations(
            session, [p for p in batch if p.message.message_id in inserted]
        )
        for attachment_id, message_id in _attachment_links(batch, inserted):
            await session.execute(
                update(Attachment)
                .where(
                    Attachment.id == attachment_id,
                    Attachment.message_id.is_(None),
                    Attachment.note_id.is_(None),
                )
                .values(message_id=message_id)
            )
        queued = _missed_replies(batch, inserted)
        if queued:
            await session.execute(
                sqlite.insert(EmailOutbox)
                .values([_missed_reply_row(p) for p in queued])
                .on_conflict_do_nothing(
                    index_elements=["conversation_id", "kind"],
                    index_where=text(PENDING_MISSED_REPLY),
                )
            )
        await record_events(session, _events(batch, inserted, touched), utcnow())
    return _results(batch, inserted, existing, touched)


async def _write_plain_batch(
    db: Database, batch: list[PendingMessage], lane: int
) -> list[StoredMessage]:
    """A batch without attachments or e-mail: `batch_write.WRITE_BATCH`, one round trip."""
    messages = [pending.message for pending in batch]
    async with db.writer_connection(lane) as connection:
        rows = await connection.fetch(
            batch_write.WRITE_BATCH,
            *message_columns(messages),
            [pending.reopen for pending in batch],
            [new_ulid() for _ in batch],  # message.created, in batch order
            [new_ulid() for _ in batch],  # conversation events, after them
            utcnow(),
        )
        inserted = {row["id"] for row in rows if row["kind"] == "m"}
        existing = await _existing(
            connection, [m for m in messages if m.message_id not in inserted]
        )
    conversations = [row for row in rows if row["kind"] == "c"]
    touched = _Touched(
        reopened={
            row["id"]
            for row in conversations
            if row["previous_status"] != "open" and row["status"] == "open"
        },
        began={row["first_visitor"] for row in conversations if row["began"]},
        created={row["id"] for row in conversations if row["was_empty"]},
    )
    return _results(batch, inserted, existing, touched)


async def _existing(
    connection: Any, duplicates: list[MessageRecord]
) -> dict[tuple[str, str | None], MessageRecord]:
    """The stored messages that retries (same clientMessageId) found."""
    if not duplicates:
        return {}
    found = await connection.fetch(
        batch_write.SELECT_BY_CLIENT_ID,
        [m.conversation_id for m in duplicates],
        [m.client_message_id for m in duplicates],
    )
    records = (message_from_row(row) for row in found)
    return {(r.conversation_id, r.client_message_id): r for r in records}


async def _insert_messages_postgres(
    db: Database, batch: list[PendingMessage], lane: int
) -> list[StoredMessage]:
    if not any(pending.attachment_ids or pending.email_due for pending in batch):
        return await _write_plain_batch(db, batch, lane)
    messages = [pending.message for pending in batch]
    async with db.writer_transaction(lane) as connection:
        rows = await connection.fetch(batch_write.INSERT_MESSAGES, *message_columns(messages))
        inserted = {row["id"] for row in rows}
        existing = await _existing(
            connection, [m for m in messages if m.message_id not in inserted]
        )
        newest: dict[str, PendingMessage] = {}
        reopen: set[str] = set()
        for pending in batch:
            if pending.message.message_id in inserted:
                newest[pending.message.conversation_id] = pending  # batches are in id order
                if pending.reopen:
                    reopen.add(pending.message.conversation_id)
        touched = _Touched(set(), set())
        if newest:
            first_visitor = _first_visitor_messages(batch, inserted)
            rows = await connection.fetch(
                batch_write.TOUCH_CONVERSATIONS,
                list(newest),
                [p.message.message_id for p in newest.values()],
                [p.message.created_at for p in newest.values()],
                [conversation_id in reopen for conversation_id in newest],
                [first_visitor.get(conversation_id) for conversation_id in newest],
            )
            touched.reopened = {
                row["id"]
                for row in rows
                if row["previous_status"] != "open" and row["status"] == "open"
            }
            touched.began = {row["first_visitor"] for row in rows if row["began"]}
            touched.created = {row["id"] for row in rows if row["was_empty"]}
        links = _attachment_links(batch, inserted)
        if links:
            await connection.execute(
                batch_write.LINK_ATTACHMENTS, [a for a, _ in links], [m for _, m in links]
            )
        queued = _missed_replies(batch, inserted)
        if queued:
            await connection.execute(
                batch_write.QUEUE_MISSED_REPLIES,
                [new_ulid() for _ in queued],
                [p.message.tenant_id for p in queued],
                [p.message.conversation_id for p in queued],
                [p.email_due for p in queued],
            )
        events = _events(batch, inserted, touched)
        if events:
            await connection.execute(RECORD_EVENTS, *event_columns(events, utcnow()))
    return _results(batch, inserted, existing, touched)


def _results(
    batch: list[PendingMessage],
    inserted: set[str],
    existing: dict[tuple[str, str | None], MessageRecord],
    touched: _Touched,
) -> list[StoredMessage]:
    results = []
    for pending in batch:
        message = pending.message
        if message.message_id in inserted:
            # The earliest new message of a conversation carries its flags (id order).
            conversation_id = message.conversation_id
            reopens = conversation_id in touched.reopened
            touched.reopened.discard(conversation_id)
            begins = message.message_id in touched.began
            results.append(StoredMessage(message, created=True, reopened=reopens, first=begins))
        else:
            stored = existing[(message.conversation_id, message.client_message_id)]
            results.append(StoredMessage(stored, created=False))
    return results


async def insert_message(db: Database, message: MessageRecord, reopen: bool) -> StoredMessage:
    """One message in its own transaction (the CLI and tests; servers batch via MessageWriter)."""
    return (await insert_messages(db, [PendingMessage(message, reopen)]))[0]


def _missed_reply_row(pending: PendingMessage) -> dict[str, Any]:
    return {
        "id": new_ulid(),
        "tenant_id": pending.message.tenant_id,
        "conversation_id": pending.message.conversation_id,
        "kind": "missed_reply",
        "status": "pending",
        "due_at": pending.email_due,
        "attempts": 0,
        "created_at": pending.message.created_at,
    }


async def _find_by_client_id(
    session: AsyncSession, messages: list[MessageRecord]
) -> dict[tuple[str, str | None], MessageRecord]:
    if not messages:
        return {}
    pairs = [(m.conversation_id, m.client_message_id) for m in messages]
    rows = await session.scalars(
        select(Message).where(tuple_(Message.conversation_id, Message.client_message_id).in_(pairs))
    )
    return {(row.conversation_id, row.client_message_id): message_from_model(row) for row in rows}


async def _touch_conversations(session: AsyncSession, stored: list[PendingMessage]) -> _Touched:
    """Move each conversation's activity to its newest message; reopen the pending,
    snoozed or closed ones a visitor wrote in; record first visitor messages. Returns
    which conversations were reopened and which messages began one. (SQLite: one writer,
    so reading before writing in this transaction is safe.)"""
    newest: dict[str, PendingMessage] = {}
    reopen: set[str] = set()
    for pending in stored:
        conversation_id = pending.message.conversation_id
        newest[conversation_id] = pending  # batches are in id order
        if pending.reopen:
            reopen.add(conversation_id)
    first_visitor = _first_visitor_messages(stored, {p.message.message_id for p in stored})
    without = set(
        await session.scalars(
            select(Conversation.id).where(
                Conversation.id.in_(list(first_visitor)),
                Conversation.first_visitor_message_id.is_(None),
            )
        )
    )
    began = {first_visitor[c] for c in without}
    created = set(
        await session.scalars(
            select(Conversation.id).where(
                Conversation.id.in_(list(newest)), Conversation.last_message_id.is_(None)
            )
        )
    )
    for conversation_id in without:
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(first_visitor_message_id=first_visitor[conversation_id])
        )
    for conversation_id, pending in newest.items():
        message = pending.message
        # Another process may have committed a newer message first: never move back.
        newer = or_(
            Conversation.last_message_id.is_(None),
            Conversation.last_message_id < message.message_id,
        )
        values: dict[str, Any] = {
            "last_activity_at": case(
                (newer, message.created_at), else_=Conversation.last_activity_at
            ),
            "last_message_id": case(
                (newer, message.message_id), else_=Conversation.last_message_id
            ),
        }
        await session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(**values)
        )
    if not reopen:
        return _Touched(set(), began, created)
    reopened = await session.scalars(
        update(Conversation)
        .where(Conversation.id.in_(reopen), Conversation.status != "open")
        .values(status="open", snoozed_until=None)
        .returning(Conversation.id)
    )
    return _Touched(set(reopened), began, created)
