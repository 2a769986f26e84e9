"""Availability (CONTRACT §9): `online` inside business hours (or with none set) with an
agent's console open, `away` inside hours with nobody online, `offline` outside hours."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from webchat.actions.events import publish_availability
from webchat.clock import isoformat, utcnow
from webchat.hours import BusinessHours
from webchat.store.availability import decide_status
from webchat.store.presence import online_ids

if TYPE_CHECKING:
    from webchat.services import Services


async def _hours(services: Services, tenant_id: str) -> tuple[bool, datetime | None]:
    """Whether the tenant is inside its business hours, and its next opening if not."""
    settings = await services.settings_cache.get(tenant_id)
    hours = settings["businessHours"]
    if hours is None:
        return True, None
    business = BusinessHours.from_settings(hours)
    now = utcnow()
    if business.is_open(now):
        return True, None
    return False, business.next_opening(now)


def _payload(status: str, agents: int, opening: datetime | None) -> dict[str, Any]:
    return {
        "status": status,
        "agentsOnline": agents,
        "nextOpenAt": isoformat(opening) if opening and status == "offline" else None,
    }


async def availability(services: Services, tenant_id: str) -> dict[str, Any]:
    is_open, opening = await _hours(services, tenant_id)
    agents = len(await online_ids(services.store, tenant_id, "agent"))
    status = "offline" if not is_open else "online" if agents else "away"
    return _payload(status, agents, opening)


async def do_check_availability(services: Services, tenant_id: str) -> None:
    """Announce the tenant's availability to its sockets if its status changed since it
    was last announced (by any node); Redis decides, from the live agent count."""
    is_open, opening = await _hours(services, tenant_id)
    changed, status, agents = await decide_status(services.store, tenant_id, is_open)
    if changed:
        await publish_availability(services, tenant_id, _payload(status, agents, opening))
