"""Events as webhooks and `GET /api/events` show them (CONTRACT §10):
`{eventId, type, tenantId, createdAt, data}`.

The log names each event's subject (`db/event_log.py`); here it becomes `data`: a message,
a note, a conversation (the three conversation-shaped types), or the stored read receipt.
A conversation-shaped event is rendered at its first read and kept, so its later reads
and redeliveries send the same body. Attachment links are signed afresh at every read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from webchat.clock import isoformat, utcnow
from webchat.db.conversation_list import get_conversation_state
from webchat.db.event_log import (
    CONVERSATION_SHAPED,
    MESSAGE_CREATED,
    NOTE_CREATED,
    EventRecord,
    fill_event_data,
    prune_events,
)
from webchat.db.history import get_messages
from webchat.db.notes import get_notes
from webchat.desk_schemas import note_json
from webchat.ids import ulid_floor
from webchat.schemas import conversation_json, message_json

if TYPE_CHECKING:
    from webchat.files.signing import LinkSigner
    from webchat.services import Services


def _resign(data: dict[str, Any], links: LinkSigner) -> dict[str, Any]:
    """Fresh download links for the attachments `data` shows (itself, or a last message)."""
    for holder in (data, data.get("lastMessage")):
        if isinstance(holder, dict) and isinstance(holder.get("attachments"), list):
            holder["attachments"] = [
                {**a, "url": links.url(a["attachmentId"], a["name"])} for a in holder["attachments"]
            ]
    return data


def _gone(event: EventRecord) -> dict[str, Any]:
    """The subject was erased or expired: the event stays, its content does not."""
    return {"conversationId": event.conversation_id, "deleted": True}


async def _conversation_data(services: Services, event: EventRecord) -> dict[str, Any]:
    assert event.conversation_id is not None
    state = await get_conversation_state(services.db, event.tenant_id, event.conversation_id)
    return conversation_json(*state, services.links) if state else _gone(event)


async def render_events(services: Services, events: list[EventRecord]) -> list[dict[str, Any]]:
    """The events' JSON, in the order given; subjects are loaded once per kind."""
    messages = await get_messages(
        services.db, [e.subject_id for e in events if e.type == MESSAGE_CREATED]
    )
    notes = await get_notes(services.db, [e.subject_id for e in events if e.type == NOTE_CREATED])
    first_reads: dict[str, dict[str, Any]] = {}
    rendered = []
    for event in events:
        data: dict[str, Any]
        if event.data is not None:
            data = dict(event.data)
        elif event.type == MESSAGE_CREATED:
            message = messages.get(event.subject_id)
            data = dict(message_json(message, services.links)) if message else _gone(event)
        elif event.type == NOTE_CREATED:
            note = notes.get(event.subject_id)
            data = note_json(note, services.links) if note else _gone(event)
        elif event.type in CONVERSATION_SHAPED:
            data = await _conversation_data(services, event)
            first_reads[event.event_id] = data
        else:
            data = _gone(event)
        rendered.append(
            {
                "eventId": event.event_id,
                "type": event.type,
                "tenantId": event.tenant_id,
                "createdAt": isoformat(event.created_at),
                "data": _resign(data, services.links),
            }
        )
    if first_reads:
        await fill_event_data(services.db, first_reads)
    return rendered


PRUNE_BATCH = 1000
PRUNE_BATCHES_PER_RUN = 1000


async def do_prune_events(services: Services) -> int:
    """Remove events past the retention (`WEBCHAT_EVENT_RETENTION_DAYS`, at least 7), in
    bounded transactions; what is left waits for the next run."""
    days = services.settings.event_retention_days
    cutoff = ulid_floor(int((utcnow() - timedelta(days=days)).timestamp() * 1000))
    removed = 0
    for _ in range(PRUNE_BATCHES_PER_RUN):
        batch = await prune_events(services.db, cutoff, PRUNE_BATCH)
        removed += batch
        if batch < PRUNE_BATCH:
            break
    services.metrics.events_pruned.inc(removed)
    return removed
