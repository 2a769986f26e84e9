"""Room names. Every name starts with the tenant, so equal session or conversation ids of
two tenants can never meet in one room."""

from __future__ import annotations


def tenant_room(tenant_id: str) -> str:
    return f"tenant:{tenant_id}"


def admin_room(tenant_id: str) -> str:
    return f"admin:{tenant_id}"


def conversation_room(tenant_id: str, conversation_id: str) -> str:
    """The seed's `conversation:<sessionId>`: every tab (and, for a logged-in user, every
    device) of the visitor, plus the agents watching. Keyed by conversation, since a
    logged-in user's sessions share one conversation."""
    return f"conversation:{tenant_id}:{conversation_id}"


def visitor_room(tenant_id: str, conversation_id: str) -> str:
    """The visitor's side only, so an agent's `typing` reaches the visitor and no agent."""
    return f"visitor:{tenant_id}:{conversation_id}"
