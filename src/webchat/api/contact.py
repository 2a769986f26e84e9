"""Reaching the visitor later (CONTRACT §9): the e-mail they leave, the transcript they
ask for, and the link that stops e-mails."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import AfterValidator, Field

from webchat.actions.email import do_request_transcript, do_set_contact
from webchat.actions.limits import check_visitor_budget
from webchat.actions.visitors import do_open_session
from webchat.api.deps import PublicKeyDep, ServicesDep, client_ip
from webchat.api.openapi import COMMON, error_responses
from webchat.db.outbox import opt_out
from webchat.errors import unavailable
from webchat.mail.links import check_unsubscribe
from webchat.schemas import StorableField, VisitorIdentity, visitor_conversation_json
from webchat.services import Services

router = APIRouter(tags=["visitor"], responses=error_responses(*COMMON, 404))

# ASCII local part and domain, no quoting, commas or brackets: an address that can only
# ever be one recipient (it goes into a To header). Deliverability is the SMTP server's
# to judge; this refuses typos, garbage and header tricks.
EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)


def _check_email(value: str) -> str:
    if not EMAIL_PATTERN.fullmatch(value) or len(value) > 254:
        raise ValueError("must be an e-mail address like name@example.com")
    return value.strip()


class ContactRequest(VisitorIdentity):
    email: Annotated[
        str,
        Field(max_length=254, json_schema_extra={"pattern": EMAIL_PATTERN.pattern}),
        AfterValidator(_check_email),
    ]
    name: Annotated[StorableField, Field(min_length=1, max_length=256)] | None = None


class TranscriptRequest(VisitorIdentity):
    pass


@router.post("/webchat/contact")
async def leave_contact(
    body: ContactRequest, principal: PublicKeyDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    session = await do_open_session(services, principal.tenant, body, client_ip(request))
    await check_visitor_budget(services, session.tenant_id, session.session_id)
    conversation = await do_set_contact(
        services, session.tenant_id, session.conversation_id, body.email, body.name
    )
    return {"conversation": visitor_conversation_json(conversation)}


@router.post("/webchat/transcript", status_code=202)
async def send_transcript(
    body: TranscriptRequest, principal: PublicKeyDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    if not services.settings.mail_enabled:
        raise unavailable("e-mail")
    session = await do_open_session(services, principal.tenant, body, client_ip(request))
    # Each transcript is an e-mail sent in the tenant's name: a few an hour is plenty.
    await services.transcript_limiter.check(session.tenant_id, session.conversation_id)
    await do_request_transcript(services, session.tenant_id, session.conversation_id)
    return {"queued": True}


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width"><title>{title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">
<h1 style="font-size:1.3rem">{title}</h1><p>{text}</p>{form}</body></html>"""
CONFIRM = """<form method="post"><button type="submit"
style="font:inherit;padding:.5rem 1rem">Stop these e-mails</button></form>"""
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    "Cache-Control": "no-store",
}
Signed = Annotated[str, Query(max_length=64)]


def _page(title: str, text: str, form: str = "", status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        PAGE.format(title=title, text=text, form=form), status_code=status, headers=_PAGE_HEADERS
    )


def _valid(services: Services, conversation_id: str, signature: str) -> bool:
    secret = services.settings.resolved_jwt_secret()
    return bool(conversation_id and signature) and check_unsubscribe(
        secret, conversation_id, signature
    )


def _broken() -> HTMLResponse:
    return _page("This link does not work", "It may be incomplete.", status=404)


@router.get("/webchat/unsubscribe", include_in_schema=False)
async def unsubscribe_page(services: ServicesDep, c: Signed = "", s: Signed = "") -> HTMLResponse:
    """The link at the foot of every e-mail to a visitor asks first: mail scanners follow
    links, and must not unsubscribe anyone by looking."""
    if not _valid(services, c, s):
        return _broken()
    return _page("Stop e-mails about this chat?", "You will get no more e-mails about it.", CONFIRM)


@router.post("/webchat/unsubscribe", include_in_schema=False)
async def unsubscribe(services: ServicesDep, c: Signed = "", s: Signed = "") -> HTMLResponse:
    """The confirmation, and RFC 8058 one-click unsubscribe (`List-Unsubscribe-Post`).
    Signed, so only the recipient's link works."""
    if not _valid(services, c, s) or not await opt_out(services.db, c):
        return _broken()
    return _page("You are unsubscribed", "You will get no more e-mails about this chat.")
