"""Hours boundaries, noticed: every node looks every few seconds at the tenants it has
sockets for and announces a changed availability (CONTRACT §9: within 5 s). Which node
announces is settled in Redis (`store/availability.swap_status`), so it goes out once.
Agent consoles opening and closing are announced as they happen, by `server.py`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from webchat.actions.availability import do_check_availability

if TYPE_CHECKING:
    from webchat.services import Services

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0


async def watch_hours(services: Services, tenants_here: Callable[[], set[str]]) -> None:
    while True:
        await asyncio.sleep(CHECK_SECONDS)
        for tenant_id in tenants_here():
            try:
                settings = await services.settings_cache.get(tenant_id)
                if settings["businessHours"] is not None:
                    await do_check_availability(services, tenant_id)
            except Exception:
                log.warning("availability check failed for %s", tenant_id, exc_info=True)
