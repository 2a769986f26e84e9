"""`availability:<tenantId>`: the tenant's last announced availability status, so that of
all the nodes noticing a change (an agent's console closing, an hours boundary passing)
exactly one announces it."""

from __future__ import annotations

from webchat.store.client import Store, translate_errors

# Sets the status and says whether it differed: atomic, so two nodes never both win.
_SWAP = """
local previous = redis.call('GET', KEYS[1])
if previous == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""


def availability_key(tenant_id: str) -> str:
    return f"availability:{tenant_id}"


async def swap_status(store: Store, tenant_id: str, status: str) -> bool:
    """Record `status`; True if it changed (this caller announces it)."""
    async with translate_errors():
        changed = await store.redis.eval(_SWAP, 1, availability_key(tenant_id), status)
    return bool(changed)
