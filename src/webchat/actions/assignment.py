"""Who answers a conversation: the first agent to reply, or auto-assignment among the
agents with a console open (CONTRACT §8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webchat.actions.conversations import conversation_state
from webchat.actions.events import publish_conversation
from webchat.db.conversation_updates import assign_if_unassigned, auto_assign
from webchat.store.presence import online_ids

if TYPE_CHECKING:
    from webchat.services import Services


async def do_assign_on_reply(
    services: Services, tenant_id: str, conversation_id: str, agent_id: str
) -> None:
    """An agent's first reply in an unassigned conversation takes it."""
    if await assign_if_unassigned(services.db, tenant_id, conversation_id, agent_id):
        state = await conversation_state(services, tenant_id, conversation_id)
        await publish_conversation(services, *state, status_changed=False)


async def do_auto_assign(services: Services, tenant_id: str, conversation_id: str) -> None:
    """On a conversation's first visitor message, with `assignment: auto`: the online
    agent with the fewest open assigned conversations below capacity, else nobody."""
    settings = await services.settings_cache.get(tenant_id)
    if settings["assignment"] != "auto":
        return
    online = await online_ids(services.store, tenant_id, "agent")
    chosen = await auto_assign(
        services.db, tenant_id, conversation_id, sorted(online), int(settings["agentCapacity"])
    )
    if chosen is not None:
        state = await conversation_state(services, tenant_id, conversation_id)
        await publish_conversation(services, *state, status_changed=False)
