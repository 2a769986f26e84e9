"""The event log (CONTRACT §10), written in the transaction of the change it records.

Every change that has an event records it here, inside its own transaction (the
transactional outbox): an event is never without its change, nor a change without its
event. The same statement queues one delivery per webhook of the tenant that wants the
type, so a webhook sees every event committed after it was created.

An event names its subject (a message, a note, a conversation) and keeps `data` only
when it cannot be read again later (a read receipt): the group commit adds one small
statement and builds no JSON. Messages and notes never change, so their events are
rendered from them when read; a conversation-shaped event (`conversation.*`,
`contact.updated`) is rendered at its first read and kept (`actions/event_log.py`), so
every delivery of it carries the same body.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, delete, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from webchat.db.engine import Database
from webchat.db.models import Event, Webhook, WebhookDelivery
from webchat.ids import new_ulid

MESSAGE_CREATED = "message.created"
CONVERSATION_CREATED = "conversation.created"
CONVERSATION_UPDATED = "conversation.updated"
NOTE_CREATED = "note.created"
CONTACT_UPDATED = "contact.updated"
MESSAGES_READ = "messages.read"
EVENT_TYPES = (
    MESSAGE_CREATED,
    CONVERSATION_CREATED,
    CONVERSATION_UPDATED,
    NOTE_CREATED,
    CONTACT_UPDATED,
    MESSAGES_READ,
)
# Filled from the conversation on first read.
CONVERSATION_SHAPED = (CONVERSATION_CREATED, CONVERSATION_UPDATED, CONTACT_UPDATED)


@dataclass(frozen=True)
class NewEvent:
    type: str
    tenant_id: str
    conversation_id: str | None
    subject_id: str
    # JSON-ready; only for events that cannot be rendered from their subject later.
    data: dict[str, Any] | None = None


def conversation_event(type_: str, tenant_id: str, conversation_id: str) -> NewEvent:
    return NewEvent(type_, tenant_id, conversation_id, conversation_id)


@dataclass(frozen=True)
class EventRecord:
    event_id: str
    tenant_id: str
    type: str
    conversation_id: str | None
    subject_id: str
    data: dict[str, Any] | None
    created_at: datetime


# The deliveries of new events: one per webhook of the tenant that takes the type.
WANTS = "(w.event_filter = '*' OR w.event_filter LIKE '%,' || {type} || ',%')"
DELIVERY_COLUMNS = (
    "webhook_id",
    "event_id",
    "tenant_id",
    "event_type",
    "conversation_id",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def _queue_deliveries(event_ids: list[str]) -> Any:
    """One delivery per (new event, webhook of its tenant that takes its type)."""
    wanted = or_(
        Webhook.event_filter == "*",
        Webhook.event_filter.like(literal("%,") + Event.type + literal(",%")),
    )
    rows = (
        select(
            Webhook.id,
            Event.id,
            Event.tenant_id,
            Event.type,
            Event.conversation_id,
            literal("pending", String),
            literal(0, Integer),
            Event.created_at,
            Event.created_at,
        )
        .join(Webhook, (Webhook.tenant_id == Event.tenant_id) & wanted)
        .where(Event.id.in_(event_ids))
    )
    return insert(WebhookDelivery).from_select(DELIVERY_COLUMNS, rows)


# PostgreSQL's group commit: the batch's events and their deliveries in one statement.
RECORD_EVENTS = f"""
WITH e AS (
  INSERT INTO events (id, tenant_id, type, conversation_id, subject_id, created_at)
  SELECT v.id, v.tenant_id, v.type, v.conversation_id, v.subject_id, v.at
  FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[],
              $6::timestamptz[]) AS v(id, tenant_id, type, conversation_id, subject_id, at)
  RETURNING id, tenant_id, type, conversation_id, created_at
)
INSERT INTO webhook_deliveries ({", ".join(DELIVERY_COLUMNS)})
SELECT w.id, e.id, e.tenant_id, e.type, e.conversation_id, 'pending', 0, e.created_at,
       e.created_at
FROM e JOIN webhooks w ON w.tenant_id = e.tenant_id AND {WANTS.format(type="e.type")}
"""


def event_columns(events: Sequence[NewEvent], at: datetime) -> list[list[Any]]:
    """RECORD_EVENTS' arrays (the batch's events carry no data); each event gets its id
    now, as it is committed."""
    return [
        [new_ulid() for _ in events],
        [e.tenant_id for e in events],
        [e.type for e in events],
        [e.conversation_id for e in events],
        [e.subject_id for e in events],
        [at for _ in events],
    ]


async def record_events(session: AsyncSession, events: Sequence[NewEvent], at: datetime) -> None:
    """Record events (and queue their deliveries) in the caller's transaction: two
    statements, whatever the number of events."""
    if not events:
        return
    ids = [new_ulid() for _ in events]
    rows = [
        {
            "id": event_id,
            "tenant_id": event.tenant_id,
            "type": event.type,
            "conversation_id": event.conversation_id,
            "subject_id": event.subject_id,
            "data": event.data,
            "created_at": at,
        }
        for event_id, event in zip(ids, events, strict=True)
    ]
    await session.execute(insert(Event), rows)
    await session.execute(_queue_deliveries(ids))


def _record(row: Event) -> EventRecord:
    return EventRecord(
        row.id,
        row.tenant_id,
        row.type,
        row.conversation_id,
        row.subject_id,
        row.data,
        row.created_at,
    )


async def list_events(
    db: Database, tenant_id: str, after: str | None, below: str, limit: int
) -> list[EventRecord]:
    """The tenant's events after `after`, oldest first, with ids below `below` (the pull
    API's horizon: an event committed late by a longer transaction is never skipped)."""
    statement = select(Event).where(Event.tenant_id == tenant_id, Event.id < below)
    if after:
        statement = statement.where(Event.id > after)
    async with db.session() as session:
        rows = await session.scalars(statement.order_by(Event.id).limit(limit))
        return [_record(row) for row in rows]


async def get_events(db: Database, event_ids: Sequence[str]) -> dict[str, EventRecord]:
    async with db.session() as session:
        rows = await session.scalars(select(Event).where(Event.id.in_(list(event_ids))))
        return {row.id: _record(row) for row in rows}


async def fill_event_data(db: Database, filled: dict[str, dict[str, Any]]) -> None:
    """Keep the rendering of conversation-shaped events read for the first time; one that
    another node kept first stays."""
    async with db.session() as session:
        for event_id, data in filled.items():
            await session.execute(
                update(Event).where(Event.id == event_id, Event.data.is_(None)).values(data=data)
            )


async def prune_events(db: Database, older_than: str, batch: int) -> int:
    """Delete up to `batch` events with ids below `older_than` (a ULID floor), and their
    settled deliveries; a bounded transaction each call. Returns how many went."""
    async with db.session() as session:
        ids = list(
            await session.scalars(
                select(Event.id).where(Event.id < older_than).order_by(Event.id).limit(batch)
            )
        )
        if not ids:
            return 0
        await session.execute(delete(WebhookDelivery).where(WebhookDelivery.event_id.in_(ids)))
        await session.execute(delete(Event).where(Event.id.in_(ids)))
    return len(ids)
