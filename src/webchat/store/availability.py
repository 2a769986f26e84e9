"""`availability:<tenantId>`: the tenant's last announced availability status, so that of
all the nodes noticing a change (an agent's console closing, an hours boundary passing)
exactly one announces it.

The status is decided inside the script from the live count of agents with a console
open (`online_agents:<tenantId>`), not from a count read earlier: two nodes checking at
once (one console closing, another opening) can never leave a stale status behind.
"""

from __future__ import annotations

from webchat.store.client import Store
from webchat.store.presence import online_key

# ARGV[1]: "closed" outside business hours, else "open". Returns {changed, status, agents}.
_DECIDE = """
local agents = redis.call('HLEN', KEYS[2])
local status
if ARGV[1] == 'closed' then status = 'offline'
elseif agents > 0 then status = 'online'
else status = 'away' end
local previous = redis.call('GET', KEYS[1])
if previous == status then return {0, status, agents} end
redis.call('SET', KEYS[1], status)
return {1, status, agents}
"""


def availability_key(tenant_id: str) -> str:
    return f"availability:{tenant_id}"


async def decide_status(store: Store, tenant_id: str, hours_open: bool) -> tuple[bool, str, int]:
    """(changed, status, agents online): `changed` means this caller announces it."""
    async with store.guard():
        changed, status, agents = await store.redis.eval(
            _DECIDE,
            2,
            availability_key(tenant_id),
            online_key(tenant_id, "agent"),
            "open" if hours_open else "closed",
        )
    return bool(changed), str(status), int(agents)
