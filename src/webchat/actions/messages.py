"""Sending a message: store it once, then publish it."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Coroutine
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from webchat.actions.assignment import do_assign_on_reply, do_auto_assign
from webchat.actions.attachments import check_attachments
from webchat.actions.email import do_alert_new_conversation
from webchat.actions.events import publish_conversation, publish_message
from webchat.actions.limits import check_tenant_budget, check_visitor_budget
from webchat.clock import utcnow
from webchat.db.attachments import with_attachments
from webchat.db.conversation_list import get_conversation_state
from webchat.db.history import find_message_by_client_id
from webchat.db.records import ConversationRecord, MessageRecord
from webchat.errors import ApiError
from webchat.ids import new_message_id

if TYPE_CHECKING:
    from webchat.actions.visitors import VisitorSession
    from webchat.gateway.credentials import Principal
    from webchat.services import Services

log = logging.getLogger(__name__)

Sender = Literal["visitor", "agent", "system"]
Transport = Literal["http", "socket"]


async def do_send_message(
    services: Services,
    *,
    tenant_id: str,
    conversation_id: str,
    session_id: str,
    user_id: str | None,
    sender: Sender,
    sender_name: str | None,
    text: str,
    client_message_id: str | None,
    transport: Transport,
    attachment_ids: list[str] | None = None,
) -> MessageRecord:
    """Commit the message to the database (group-committed with concurrent sends), then
    publish it. The commit comes before the acknowledgement, so an acknowledged message survives the
    death of this process or of Redis. A retry with the same `clientMessageId` returns the
    stored message and publishes nothing again."""
    started = utcnow()
    if sender != "system":
        stored_retry = await _within_budget(
            services,
            check_tenant_budget(services, tenant_id),
            tenant_id,
            conversation_id,
            client_message_id,
        )
        if stored_retry is not None:
            return stored_retry
    attachments = await check_attachments(
        services, tenant_id, conversation_id, attachment_ids or [], client_message_id
    )
    record = MessageRecord(
        message_id=new_message_id(),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        session_id=session_id,
        user_id=user_id,
        sender=sender,
        sender_name=sender_name,
        text=text,
        client_message_id=client_message_id,
        created_at=started,
        attachments=attachments,
    )
    settings = services.settings
    email_due = (
        started + timedelta(seconds=settings.email_delay_seconds)
        if sender == "agent" and settings.mail_enabled
        else None
    )
    stored = await services.writer.write(
        record,
        reopen=sender == "visitor",
        email_due=email_due,
        attachment_ids=tuple(a.attachment_id for a in attachments),
    )
    if not stored.created:
        # A retry: answer with the stored message as it is, attachments included.
        stored = dataclasses.replace(
            stored, message=(await with_attachments(services.db, [stored.message]))[0]
        )
    if stored.created:
        services.metrics.messages.labels(sender, transport).inc()
        await publish_message(services, stored.message)
    if stored.reopened:
        state = await get_conversation_state(services.db, tenant_id, conversation_id)
        if state is not None:
            await publish_conversation(services, *state, status_changed=True)
    if stored.first and sender == "visitor":
        await _after_commit(do_auto_assign(services, tenant_id, conversation_id))
        if settings.mail_enabled:
            await _after_commit(do_alert_new_conversation(services, tenant_id, conversation_id))
    services.metrics.message_latency.labels(transport).observe((utcnow() - started).total_seconds())
    return stored.message


async def do_send_visitor_message(
    services: Services,
    session: VisitorSession,
    text: str,
    client_message_id: str | None,
    transport: Transport,
    attachment_ids: list[str] | None = None,
) -> MessageRecord:
    """A visitor's message, after the visitor's own budget (`429` past it)."""
    stored = await _within_budget(
        services,
        check_visitor_budget(services, session.tenant_id, session.session_id),
        session.tenant_id,
        session.conversation_id,
        client_message_id,
    )
    if stored is not None:
        return stored
    return await do_send_message(
        services,
        tenant_id=session.tenant_id,
        conversation_id=session.conversation_id,
        session_id=session.session_id,
        user_id=session.user_id,
        sender="visitor",
        sender_name=session.user_info.get("name"),
        text=text,
        client_message_id=client_message_id,
        transport=transport,
        attachment_ids=attachment_ids,
    )


async def do_send_agent_message(
    services: Services,
    principal: Principal,
    conversation: ConversationRecord,
    text: str,
    client_message_id: str | None,
    transport: Transport,
    attachment_ids: list[str] | None = None,
) -> MessageRecord:
    """A reply by an agent (named) or by the tenant's backend with its secret key. An
    agent's first reply in an unassigned conversation assigns it to them."""
    message = await do_send_message(
        services,
        tenant_id=principal.tenant_id,
        conversation_id=conversation.conversation_id,
        session_id=conversation.session_id,
        user_id=conversation.user_id,
        sender="agent",
        sender_name=principal.sender_name,
        text=text,
        client_message_id=client_message_id,
        transport=transport,
        attachment_ids=attachment_ids,
    )
    if principal.agent_id is not None and conversation.assignee_id is None:
        await _after_commit(
            do_assign_on_reply(
                services, principal.tenant_id, conversation.conversation_id, principal.agent_id
            )
        )
    return message


async def _within_budget(
    services: Services,
    budget_check: Awaitable[None],
    tenant_id: str,
    conversation_id: str,
    client_message_id: str | None,
) -> MessageRecord | None:
    """Run a budget check. Past the budget, a retry of a message already stored (its ack
    was lost) is answered with that message, returned here, rather than refused."""
    try:
        await budget_check
    except ApiError as refused:
        if refused.status != 429 or client_message_id is None:
            raise
        # Each look costs a query, and a flood's fresh messages carry clientMessageIds
        # too: unbounded, its refusals would load the database more than its sends did
        # (the noisy-tenant bench fell over). A lost ack is rare, so a tenant gets a few
        # looks a minute; past them a retry waits out its Retry-After like any send.
        try:
            await services.stored_retry_limiter.check(tenant_id)
        except ApiError:
            raise refused from None
        stored = await find_message_by_client_id(services.db, conversation_id, client_message_id)
        if stored is None:
            raise
        return stored
    return None


async def _after_commit(work: Coroutine[Any, Any, None]) -> None:
    """What follows a stored message (assignment, alerts) must not fail its send: the
    message is committed and its sender gets the ack; a failure here is logged."""
    try:
        await work
    except Exception:
        log.warning("follow-up of a stored message failed", exc_info=True)
