"""Availability (CONTRACT §9): `online` inside business hours (or with none set) with an
agent's console open, `away` inside hours with nobody online, `offline` outside hours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webchat.actions.events import publish_availability
from webchat.clock import isoformat, utcnow
from webchat.hours import BusinessHours
from webchat.store.availability import swap_status
from webchat.store.presence import online_ids

if TYPE_CHECKING:
    from webchat.services import Services


async def availability(services: Services, tenant_id: str) -> dict[str, Any]:
    settings = await services.settings_cache.get(tenant_id)
    agents = len(await online_ids(services.store, tenant_id, "agent"))
    now = utcnow()
    hours = settings["businessHours"]
    if hours is not None:
        business = BusinessHours.from_settings(hours)
        if not business.is_open(now):
            opening = business.next_opening(now)
            return {
                "status": "offline",
                "agentsOnline": agents,
                "nextOpenAt": isoformat(opening) if opening else None,
            }
    return {"status": "online" if agents else "away", "agentsOnline": agents, "nextOpenAt": None}


async def do_check_availability(services: Services, tenant_id: str) -> None:
    """Announce the tenant's availability to its sockets if its status changed since it
    was last announced (by any node)."""
    current = await availability(services, tenant_id)
    if await swap_status(services.store, tenant_id, current["status"]):
        await publish_availability(services, tenant_id, current)
