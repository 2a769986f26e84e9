"""The agent side: sign-in, the conversation list, replies, close and reopen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from webchat.actions.conversations import do_set_status, find_conversation
from webchat.actions.messages import do_send_agent_message
from webchat.api.deps import ServicesDep, StaffDep
from webchat.clock import as_utc, isoformat
from webchat.db.conversations import list_conversations
from webchat.db.tenants import find_agent, find_agent_anywhere
from webchat.errors import ApiError, invalid_request
from webchat.gateway.passwords import verify_password
from webchat.gateway.tokens import AgentClaims
from webchat.ids import ULID_PATTERN
from webchat.schemas import (
    AgentLoginRequest,
    ReplyRequest,
    StatusRequest,
    conversation_json,
    message_json,
)

router = APIRouter(tags=["agent"])

MAX_PAGE = 200


@router.post("/api/agent/login")
async def login(body: AgentLoginRequest, services: ServicesDep) -> dict[str, Any]:
    email = body.email.strip().lower()
    await services.login_limiter.check(body.tenantId or "", email)
    if body.tenantId is None:
        agent = await find_agent_anywhere(services.db, email)
    else:
        agent = await find_agent(services.db, body.tenantId, email)
    if not verify_password(agent.password_hash if agent else None, body.password) or not agent:
        raise ApiError(401, "invalid_credentials", "Wrong tenant, e-mail or password.")
    issued = services.tokens.issue_agent(AgentClaims(agent.tenant_id, agent.agent_id, agent.name))
    return {
        "token": issued.token,
        "expiresAt": isoformat(issued.expires_at),
        "tenantId": agent.tenant_id,
        "agent": {"agentId": agent.agent_id, "name": agent.name, "email": agent.email},
    }


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _parse_cursor(before: str) -> tuple[datetime, str]:
    """`<microseconds since the epoch>_<conversationId>`: exact, unlike a float timestamp."""
    microseconds, _, conversation_id = before.partition("_")
    if not microseconds.isdigit() or not ULID_PATTERN.match(conversation_id):
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
    status: Literal["open", "closed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    before: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    if q is not None and "\x00" in q:
        raise invalid_request("q: must not contain NUL characters")
    items, more = await list_conversations(
        services.db,
        principal.tenant_id,
        status,
        limit,
        _parse_cursor(before) if before else None,
        q.strip() if q and q.strip() else None,
    )
    last = items[-1][0] if items else None
    return {
        "conversations": [conversation_json(c, m) for c, m in items],
        "nextBefore": _cursor(last.last_activity_at, last.conversation_id)
        if more and last
        else None,
    }


@router.post("/api/conversations/{conversationId}/messages", status_code=201)
async def reply(
    conversationId: str, body: ReplyRequest, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    conversation = await find_conversation(
        services, principal.tenant_id, conversation_id=conversationId
    )
    message = await do_send_agent_message(
        services, principal, conversation, body.text, body.clientMessageId, "http"
    )
    return {"message": message_json(message)}


@router.patch("/api/conversations/{conversationId}")
async def change_status(
    conversationId: str, body: StatusRequest, principal: StaffDep, services: ServicesDep
) -> dict[str, Any]:
    updated = await do_set_status(services, principal.tenant_id, conversationId, body.status)
    return {"conversation": conversation_json(updated, None)}
