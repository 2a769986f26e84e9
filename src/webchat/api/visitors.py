"""The widget's routes: open a session, send a message (seed steps 5–17)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from webchat.actions.messages import do_send_visitor_message
from webchat.actions.visitors import do_open_session
from webchat.api.deps import PublicKeyDep, ServicesDep
from webchat.schemas import MessageRequest, SessionRequest, message_json

router = APIRouter(tags=["visitor"])


@router.post("/webchat/session")
async def open_session(
    body: SessionRequest, principal: PublicKeyDep, services: ServicesDep
) -> dict[str, Any]:
    session = await do_open_session(services, principal.tenant, body)
    return session.json()


@router.post("/webchat/message", status_code=201)
async def send_message(
    body: MessageRequest, principal: PublicKeyDep, services: ServicesDep
) -> dict[str, Any]:
    await services.visitor_limiter.check(principal.tenant_id, body.sessionId)
    session = await do_open_session(services, principal.tenant, body)
    message = await do_send_visitor_message(
        services, session, body.text, body.clientMessageId, "http"
    )
    return {"message": message_json(message), "session": session.json()}
