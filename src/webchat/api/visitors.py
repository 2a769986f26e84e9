"""The widget's routes: open a session, send a message (seed steps 5–17)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from webchat.actions.availability import availability
from webchat.actions.messages import do_send_visitor_message
from webchat.actions.read_marks import do_mark_read
from webchat.actions.visitors import do_open_session
from webchat.api.deps import PublicKeyDep, ServicesDep, client_ip
from webchat.api.openapi import COMMON, error_responses
from webchat.desk_schemas import VisitorReadRequest
from webchat.schemas import MessageRequest, SessionRequest, message_json

router = APIRouter(tags=["visitor"], responses=error_responses(*COMMON, 404))


@router.post("/webchat/session")
async def open_session(
    body: SessionRequest, principal: PublicKeyDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    session = await do_open_session(services, principal.tenant, body, client_ip(request))
    return session.json()


@router.post("/webchat/message", status_code=201)
async def send_message(
    body: MessageRequest, principal: PublicKeyDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    # The session and its binding first: only a request that passed them spends the
    # visitor's budget (else anyone knowing a sessionId could exhaust it).
    session = await do_open_session(services, principal.tenant, body, client_ip(request))
    message = await do_send_visitor_message(
        services, session, body.text, body.clientMessageId, "http", body.attachments
    )
    return {"message": message_json(message, services.links), "session": session.json()}


@router.post("/webchat/read")
async def mark_read(
    body: VisitorReadRequest, principal: PublicKeyDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    """The visitor has seen the conversation up to `upTo` (CONTRACT §8)."""
    session = await do_open_session(services, principal.tenant, body, client_ip(request))
    await do_mark_read(
        services,
        session.tenant_id,
        session.conversation_id,
        body.upTo,
        agent_id=None,
        reader="visitor",
    )
    return {"ok": True}


@router.get("/webchat/config")
async def widget_config(principal: PublicKeyDep, services: ServicesDep) -> dict[str, Any]:
    """What the widget shows before anyone writes: looks, offline mode, availability."""
    settings = await services.settings_cache.get(principal.tenant_id)
    return {
        "tenantId": principal.tenant_id,
        "widget": settings["widget"],
        "offlineMode": settings["offlineMode"],
        # Whether the server sends e-mail: the widget offers transcripts only then.
        "emailEnabled": services.settings.mail_enabled,
        "availability": await availability(services, principal.tenant_id),
    }
