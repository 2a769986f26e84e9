"""The desk's conversation routes (CONTRACT §4, §8): the list, replies, changes, notes,
read marks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from webchat.actions.conversations import (
    conversation_state,
    do_update_conversation,
    find_conversation,
)
from webchat.actions.messages import do_send_agent_message
from webchat.actions.notes import do_add_note
from webchat.actions.read_marks import do_mark_read
from webchat.api.deps import ServicesDep, StaffDep
from webchat.api.openapi import COMMON, error_responses
from webchat.clock import as_utc
from webchat.db.conversation_list import UNASSIGNED, ConversationFilter, list_conversations
from webchat.db.notes import list_notes
from webchat.desk_schemas import (
    LABEL_PATTERN,
    STATUSES,
    ConversationPatch,
    NoteRequest,
    ReadRequest,
    note_json,
)
from webchat.errors import invalid_request
from webchat.ids import ULID_PATTERN
from webchat.schemas import ReplyRequest, conversation_json, message_json

router = APIRouter(tags=["conversations"], responses=error_responses(*COMMON, 404))

MAX_PAGE = 200
MAX_NOTES = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ConversationId = Annotated[str, Path(pattern=ULID_PATTERN.pattern)]
STATUS_LIST = r"^(open|pending|snoozed|closed)(,(open|pending|snoozed|closed))*$"
ASSIGNEE = r"^(me|none|[0-9A-HJKMNP-TV-Z]{26})$"


def _parse_cursor(before: str) -> tuple[datetime, str]:
    """`<microseconds since the epoch>_<conversationId>`: exact, unlike a float timestamp."""
    microseconds, _, conversation_id = before.partition("_")
    if not microseconds.isdigit() or not ULID_PATTERN.fullmatch(conversation_id):
        raise invalid_request("before: not a cursor returned as nextBefore")
    try:
        return EPOCH + timedelta(microseconds=int(microseconds)), conversation_id
    except OverflowError:
        raise invalid_request("before: not a cursor returned as nextBefore") from None


def _cursor(at: datetime, conversation_id: str) -> str:
    return f"{(as_utc(at) - EPOCH) // timedelta(microseconds=1)}_{conversation_id}"


@router.get("/api/conversations")
async def get_conversations(
    principal: StaffDep,
    services: ServicesDep,
    status: Annotated[str | None, Query(pattern=STATUS_LIST, max_length=100)] = None,
    assigneeId: Annotated[str | None, Query(pattern=ASSIGNEE)] = None,
    label: Annotated[str | None, Query(pattern=LABEL_PATTERN.pattern)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    before: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    if q is not None and "\x00" in q:
        raise invalid_request("q: must not contain NUL characters")
    assignee = assigneeId
    if assignee == "me":
        if principal.agent_id is None:
            raise invalid_request("assigneeId: 'me' needs an agent token")
        assignee = principal.agent_id
    where = ConversationFilter(
        statuses=tuple(s for s in STATUSES if status and s in status.split(",")),
        assignee=UNASSIGNED if assignee == "none" else assignee,
        label=label,
        query=q.strip() if q and q.strip() else None,
    )
    items, more = await list_conversations(
        services.db, principal.tenant_id, where, limit, _parse_cursor(before) if before else None
    )
    last = items[-1][0] if items else None
    return {
        "conversations": [conversation_json(c, m, services.links) for c, m in items],
        "nextBefore": _cursor(last.last_activity_at, last.conversation_id)
        if more and last
        else None,
    }


@router.post("/api/conversations/{conversationId}/messages", status_code=201)
async def reply(
    conversationId: ConversationId, body: ReplyRequest, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    conversation = await find_conversation(
        services, principal.tenant_id, conversation_id=conversationId
    )
    message = await do_send_agent_message(
        services, principal, conversation, body.text, body.clientMessageId, "http", body.attachments
    )
    return {"message": message_json(message, services.links)}


@router.get("/api/conversations/{conversationId}")
async def get_one(
    conversationId: ConversationId, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    state = await conversation_state(services, principal.tenant_id, conversationId)
    return {"conversation": conversation_json(*state, services.links)}


@router.patch("/api/conversations/{conversationId}")
async def change(
    conversationId: ConversationId,
    body: ConversationPatch,
    principal: StaffDep,
    services: ServicesDep,
) -> dict[str, Any]:
    state = await do_update_conversation(services, principal.tenant_id, conversationId, body)
    return {"conversation": conversation_json(*state, services.links)}


@router.post("/api/conversations/{conversationId}/notes", status_code=201)
async def add_note(
    conversationId: ConversationId, body: NoteRequest, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    conversation = await find_conversation(
        services, principal.tenant_id, conversation_id=conversationId
    )
    note = await do_add_note(
        services, principal.tenant_id, conversation.conversation_id, principal.agent_id, body
    )
    return {"note": note_json(note, services.links)}


@router.get("/api/conversations/{conversationId}/notes")
async def get_notes(
    conversationId: ConversationId, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    conversation = await find_conversation(
        services, principal.tenant_id, conversation_id=conversationId
    )
    notes = await list_notes(services.db, conversation.conversation_id, MAX_NOTES)
    return {"notes": [note_json(n, services.links) for n in notes]}


@router.post("/api/conversations/{conversationId}/read")
async def mark_read(
    conversationId: ConversationId, body: ReadRequest, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    conversation = await find_conversation(
        services, principal.tenant_id, conversation_id=conversationId
    )
    await do_mark_read(
        services,
        principal.tenant_id,
        conversation.conversation_id,
        body.upTo,
        agent_id=principal.agent_id,
        reader="agent",
    )
    return {"ok": True}
