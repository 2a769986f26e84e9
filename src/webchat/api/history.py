"""Conversation history (seed steps 46–53): keyset pages, oldest first within a page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query

from webchat.actions.conversations import find_conversation
from webchat.api.deps import PrincipalDep, ServicesDep
from webchat.api.openapi import COMMON, error_responses
from webchat.db.conversations import get_conversation
from webchat.db.history import list_messages
from webchat.errors import ApiError, forbidden, invalid_request, invalid_token
from webchat.ids import TENANT_ID_PATTERN, ULID_PATTERN, canonical_uuid
from webchat.schemas import NO_CONTROL, message_json

router = APIRouter(tags=["history"], responses=error_responses(*COMMON, 404))

MAX_PAGE = 200
# `uuid.UUID` reads either case; the conversation is found by the canonical text.
UUID_ANY_CASE = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


# Checked by the handler (a 400 naming the parameter); declared here for /openapi.json.
TenantQuery = Annotated[str | None, Query(json_schema_extra={"pattern": TENANT_ID_PATTERN.pattern})]
SessionQuery = Annotated[str | None, Query(json_schema_extra={"pattern": UUID_ANY_CASE})]
UserQuery = Annotated[
    str | None, Query(json_schema_extra={"minLength": 1, "maxLength": 128, "pattern": NO_CONTROL})
]
UlidQuery = Annotated[str | None, Query(json_schema_extra={"pattern": ULID_PATTERN.pattern})]


@router.get("/api/chat/messages")
async def get_messages(
    principal: PrincipalDep,
    services: ServicesDep,
    tenantId: TenantQuery = None,
    sessionId: SessionQuery = None,
    userId: UserQuery = None,
    conversationId: UlidQuery = None,
    before: UlidQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    x_session_token: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> dict[str, Any]:
    if tenantId is not None and tenantId != principal.tenant_id:
        raise forbidden("tenantId is not this credential's tenant.")
    if before is not None and not ULID_PATTERN.fullmatch(before):
        raise invalid_request("before: must be a messageId")
    if sessionId is not None and canonical_uuid(sessionId) is None:
        raise invalid_request("sessionId: must be a UUID in canonical lowercase form")
    if userId is not None and not (1 <= len(userId) <= 128 and userId.isprintable()):
        raise invalid_request("userId: must be 1-128 printable characters")
    if principal.is_staff:
        try:
            conversation = await find_conversation(
                services,
                principal.tenant_id,
                conversation_id=conversationId,
                session_id=sessionId,
                user_id=userId,
            )
        except ApiError as exc:
            if exc.code != "not_found" or conversationId:
                raise
            # A visitor who never wrote has an empty history, not a missing one.
            return {"messages": [], "nextBefore": None}
        conversation_id, agent_read = conversation.conversation_id, conversation.agent_last_read_id
    else:
        if not x_session_token:
            raise invalid_token("Send the visitor token in X-Session-Token.")
        claims = services.tokens.verify_visitor(x_session_token)
        if claims.tenant_id != principal.tenant_id:
            raise forbidden("This visitor token belongs to another tenant.")
        asked = (
            (sessionId, claims.session_id),
            (userId, claims.user_id),
            (conversationId, claims.conversation_id),
        )
        if any(value is not None and value != own for value, own in asked):
            raise forbidden("A visitor token reads only its own conversation.")
        conversation_id = claims.conversation_id
        current = await get_conversation(services.db, principal.tenant_id, conversation_id)
        agent_read = current.agent_last_read_id if current else None
    messages, more = await list_messages(services.db, conversation_id, before, limit)
    return {
        "messages": [message_json(m, services.links) for m in messages],
        "nextBefore": messages[0].message_id if more and messages else None,
        # How far the agents have read: the widget's "Seen", also after a reload.
        "agentLastReadId": agent_read,
    }
