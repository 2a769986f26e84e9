"""Reaching the visitor later (CONTRACT §9): the e-mail they leave, the transcript they
ask for, and the link that stops e-mails."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import AfterValidator, Field

from webchat.actions.email import do_request_transcript, do_set_contact
from webchat.actions.visitors import do_open_session
from webchat.api.deps import PublicKeyDep, ServicesDep, client_ip
from webchat.api.openapi import COMMON, error_responses
from webchat.db.outbox import opt_out
from webchat.mail.links import check_unsubscribe
from webchat.schemas import StorableField, VisitorIdentity, visitor_conversation_json

router = APIRouter(tags=["visitor"], responses=error_responses(*COMMON, 404))

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is the
# SMTP server's to judge; this catches typos and garbage.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _check_email(value: str) -> str:
    if not EMAIL_PATTERN.match(value) or len(value) > 254:
        raise ValueError("must be an e-mail address like name@example.com")
    return value.strip()


class ContactRequest(VisitorIdentity):
    email: Annotated[str, Field(max_length=254), AfterValidator(_check_email)]
    name: Annotated[StorableField, Field(min_length=1, max_length=256)] | None = None


class TranscriptRequest(VisitorIdentity):
    pass


@router.post("/webchat/contact")
async def leave_contact(
    body: ContactRequest, principal: PublicKeyDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    session = await do_open_session(services, principal.tenant, body, client_ip(request))
    conversation = await do_set_contact(
        services, session.tenant_id, session.conversation_id, body.email, body.name
    )
    return {"conversation": visitor_conversation_json(conversation)}


@router.post("/webchat/transcript", status_code=202)
async def send_transcript(
    body: TranscriptRequest, principal: PublicKeyDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    session = await do_open_session(services, principal.tenant, body, client_ip(request))
    await do_request_transcript(services, session.tenant_id, session.conversation_id)
    return {"queued": True}


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>{title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1 style="font-size:1.3rem">{title}</h1><p>{text}</p></body></html>"""


@router.get("/webchat/unsubscribe", include_in_schema=False)
async def unsubscribe(
    services: ServicesDep,
    c: Annotated[str, Query(max_length=26)] = "",
    s: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    """The link at the foot of every e-mail to a visitor: no more e-mails about this
    conversation. Signed, so only the recipient's link works."""
    secret = services.settings.resolved_jwt_secret()
    if not c or not s or not check_unsubscribe(secret, c, s) or not await opt_out(services.db, c):
        page = PAGE.format(title="This link does not work", text="It may be incomplete.")
        return HTMLResponse(page, status_code=404, headers=_PAGE_HEADERS)
    page = PAGE.format(
        title="You are unsubscribed", text="You will get no more e-mails about this chat."
    )
    return HTMLResponse(page, headers=_PAGE_HEADERS)


_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Cache-Control": "no-store",
}
