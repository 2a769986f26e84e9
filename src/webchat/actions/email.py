"""E-mails the visitor or the admins are owed (CONTRACT §9), queued in the outbox; the
sender (`mail/sender.py`) delivers them. Missed replies are queued by the group commit
itself, with the agent message they are about."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webchat.actions.conversations import conversation_state
from webchat.actions.events import publish_conversation
from webchat.db.outbox import NEW_CONVERSATION, TRANSCRIPT, queue_email, set_contact
from webchat.db.records import ConversationRecord
from webchat.db.tenants import list_agents
from webchat.errors import invalid_field
from webchat.store.presence import online_ids

if TYPE_CHECKING:
    from webchat.services import Services


async def do_set_contact(
    services: Services, tenant_id: str, conversation_id: str, email: str, name: str | None
) -> ConversationRecord:
    await set_contact(services.db, tenant_id, conversation_id, email, name)
    conversation, last = await conversation_state(services, tenant_id, conversation_id)
    await publish_conversation(services, conversation, last, status_changed=False)
    return conversation


async def do_request_transcript(services: Services, tenant_id: str, conversation_id: str) -> None:
    conversation, _ = await conversation_state(services, tenant_id, conversation_id)
    if conversation.email is None:
        raise invalid_field("email: none known for this visitor; send POST /webchat/contact")
    await queue_email(services.db, tenant_id, conversation_id, TRANSCRIPT, conversation.email)


async def do_alert_new_conversation(
    services: Services, tenant_id: str, conversation_id: str
) -> None:
    """A conversation began while no agent has a console open: one e-mail per admin."""
    if await online_ids(services.store, tenant_id, "agent"):
        return
    for agent in await list_agents(services.db, tenant_id):
        if agent.role == "admin":
            await queue_email(
                services.db, tenant_id, conversation_id, NEW_CONVERSATION, agent.email
            )
